import { classifyEmail, inDomains } from '../../connectors/email/email.classify.js';
import { applyFormRules, compileFormRules } from '../../connectors/email/email.form-rules.js';
import { mapEmail } from '../../connectors/email/email.mapping.js';
import { capText, parseEmail, TRUNCATION_MARKER } from '../../connectors/email/email.parser.js';
import type { EmailPayload } from '../../connectors/email/email.payload.js';

const base = (over: Partial<EmailPayload> = {}): EmailPayload => ({
  from: [{ address: 'client@example.com', name: 'Client' }],
  replyTo: [],
  to: [],
  references: [],
  headers: {},
  attachments: [],
  ...over,
});

describe('e-mail ignore rules', () => {
  it.each([
    [{ 'auto-submitted': 'auto-replied' }, 'auto_reply'],
    [{ 'auto-submitted': 'auto-generated; x-foo=1' }, 'auto_reply'],
    [{ 'auto-submitted': 'no' }, undefined],
    [{ 'x-autoreply': 'yes' }, 'auto_reply'],
    [{ 'x-auto-response-suppress': 'All' }, 'auto_reply'],
    [{ precedence: 'bulk' }, 'bulk'],
    [{ precedence: 'junk' }, 'bulk'],
    [{ precedence: 'list' }, 'bulk'],
    [{ 'return-path': '<>' }, 'bounce'],
    [{ 'content-type': 'multipart/report; report-type=delivery-status; boundary="x"' }, 'bounce'],
    [{ 'content-type': 'multipart/mixed; boundary="x"' }, undefined],
  ] as const)('%j → %s', (headers, code) => {
    expect(classifyEmail(base({ headers }))).toBe(code);
  });

  it('treats MAILER-DAEMON as a bounce and a message without sender as no_sender', () => {
    expect(classifyEmail(base({ from: [{ address: 'MAILER-DAEMON@mx.example' }] }))).toBe('bounce');
    expect(classifyEmail(base({ from: [] }))).toBe('no_sender');
  });

  it('lets a matched form rule win over auto-generated and internal, but not over a bounce', () => {
    const extracted = { rule: 'site', phones: ['+7 900 000-00-00'], emails: [], fields: {} };
    expect(classifyEmail(base({ extracted, headers: { 'auto-submitted': 'auto-generated' } }), ['internal-sender'])).toBeUndefined();
    expect(classifyEmail(base({ extracted, headers: { 'content-type': 'multipart/report; report-type=delivery-status' } }))).toBe('bounce');
  });

  it('matches internal domains and their subdomains only', () => {
    expect(inDomains('a@corp.example', ['corp.example'])).toBe(true);
    expect(inDomains('a@mail.corp.example', ['corp.example'])).toBe(true);
    expect(inDomains('a@notcorp.example', ['corp.example'])).toBe(false);
  });
});

describe('form rules', () => {
  const rules = compileFormRules([
    { name: 'shop', from: '^robot@shop\\.example$', labels: { phone: ['Контактный номер'] }, fields: { product: '^Товар:\\s*(.+)$' } },
  ]);

  it('extracts labelled lines, custom labels and custom regexes', () => {
    const text = 'Заказ звонка\nИмя: Мария\nКонтактный номер: 8 900 111-22-33\nEmail: maria@example.com, m2@example.com\nТовар: Дверь "Классик"\nКомментарий: после обеда';
    const out = applyFormRules(rules, base({ from: [{ address: 'robot@shop.example' }], text }));
    expect(out).toEqual({ rule: 'shop', name: 'Мария', phones: ['8 900 111-22-33'], emails: ['maria@example.com', 'm2@example.com'], message: 'после обеда', fields: { product: 'Дверь "Классик"' } });
  });

  it('does not apply to other senders', () => {
    expect(applyFormRules(rules, base({ text: 'Имя: Мария' }))).toBeUndefined();
  });

  it('refuses an invalid pattern at start', () => {
    expect(() => compileFormRules([{ name: 'bad', subject: '(' }])).toThrow(/invalid regular expression/);
  });

  it('maps a matched notification without identities to ignore, with the reason', () => {
    const payload = { ...base({ from: [{ address: 'robot@shop.example' }], extracted: { rule: 'shop', name: 'Мария', phones: [], emails: [], fields: {} } }) };
    expect(mapEmail({ channel: 'email', connectorId: 'x', payload, meta: {}, receivedAt: '2024-01-01T00:00:00.000Z' })).toEqual({ kind: 'ignore', reason: 'form notification without contact details' });
  });
});

describe('body cap', () => {
  it('cuts long text with a marker and keeps it within the limit', async () => {
    const long = 'я'.repeat(500);
    const capped = capText(long, 200);
    expect(capped.truncated).toBe(true);
    expect(capped.text.length).toBeLessThanOrEqual(200);
    expect(capped.text.endsWith(TRUNCATION_MARKER)).toBe(true);
    const raw = Buffer.from(`From: a@example.com\r\nMessage-ID: <x@y>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${long}\r\n`);
    const { payload } = await parseEmail(raw, 200);
    expect(payload.textTruncated).toBe(true);
    expect(payload.text?.length).toBeLessThanOrEqual(200);
  });

  it('never splits a surrogate pair', () => {
    const capped = capText('😀'.repeat(100), 100);
    expect(capped.text.slice(0, -TRUNCATION_MARKER.length)).not.toMatch(/[\ud800-\udbff]$/);
  });
});
