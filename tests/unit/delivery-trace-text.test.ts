import type { LeadV1 } from '../../contracts/lead.js';
import { requestText, utm } from '../../router/destinations/delivery-text.js';
import { readGoldenCase } from '../support/golden-channels.js';

/** The CRM text of golden records carries what the connectors now deliver: campaign, click ids, ids, files. */
const leadOf = (dir: string, name: string): LeadV1 => ({ ...(readGoldenCase(dir, name).expected?.[0] as Omit<LeadV1, 'normalizedAt'>), normalizedAt: '2024-05-14T09:31:01.000Z' });

describe('delivery text of golden records', () => {
  it('a Tilda lead keeps its TILDAUTM campaign for the CRM UTM fields and its ids in the comment', () => {
    const lead = leadOf('forms', 'tilda-tildautm-cookie');
    expect(utm(lead)).toEqual({ source: 'yandex', medium: 'cpc', campaign: 'okna_spb', term: 'пластиковые окна', content: 'ad_7' });
    const text = requestText(lead);
    expect(text).toContain('tilda ids: eventId=6628031:4018474023, formId=form612345678');
    expect(text).toContain('Click ids: _ga=GA1.1.1834059712.1715670000, _ym_uid=1715670000987654321, roistat_visit=7654321');
  });

  it('files, referrer and a Telegram username are named', () => {
    expect(requestText(leadOf('forms', 'multipart-cp1251-charset-field'))).toContain('Attachment: plan.pdf (application/pdf, 19 B)');
    expect(requestText(leadOf('forms', 'site-json-click-ids'))).toContain('Referrer: https://www.google.com/');
    expect(requestText(leadOf('telegram', 'text-private'))).toMatch(/Username: @\w+\ntelegram ids: eventId=\d+, messageId=\d+, chatId=\d+, timestamp=\d+/);
  });
});
