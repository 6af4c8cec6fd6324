import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunningPipeline } from '../../bin/pipeline.js';
import { startCrmStub, type CrmStub } from '../../scripts/crm-stub.js';
import { createTestEnvironment, postForm, type TestEnvironment } from '../support/pipeline-harness.js';
import { startTelegramBotApiStub, type TelegramBotApiStub } from '../support/telegram-bot-api.stub.js';

const botToken = '700700700:AAHe2e_pipeline-token';
const appSecret = 'e2e-meta-app-secret-0123456789ab';
const waFixture = readFileSync(join(dirname(fileURLToPath(import.meta.url)), '../fixtures/whatsapp/text-cyrillic.body'), 'ascii');

interface DeliveredLead {
  leadId: string;
  contact: { id: string; phones: string[] };
  channel: string;
}
const leadOf = (delivery: { body: Record<string, unknown> }): DeliveredLead => delivery.body.lead as DeliveredLead;

describe('messengers on the real broker and PostgreSQL', () => {
  let crm: CrmStub;
  let telegram: TelegramBotApiStub;
  let env: TestEnvironment;
  let pipeline: RunningPipeline;

  beforeEach(async () => {
    crm = await startCrmStub();
    telegram = await startTelegramBotApiStub({ token: botToken, maxWaitMs: 300 });
    env = await createTestEnvironment('kafka', {
      normalizer: { mergeWindowMinutes: 60 },
      router: { owners: [{ id: 'anna' }, { id: 'boris' }], destination: { kind: 'webhook', url: crm.url }, retry: { attempts: 3, initialMs: 20, maxMs: 200 } },
      connectors: [
        { id: 'site', kind: 'forms' },
        { id: 'tg', kind: 'telegram', botToken, apiRoot: telegram.url, pollTimeoutSec: 1 },
        { id: 'wa', kind: 'whatsapp', verifyToken: 'e2e-verify-token-0123', appSecret, phoneNumberId: '106540352242922' },
      ],
    });
    pipeline = await env.start();
  });

  afterEach(async () => {
    await env.cleanup();
    await telegram.close();
    await crm.close();
  });

  test('a Telegram conversation of five messages is one lead with four activities', async () => {
    const from = { id: 31337, is_bot: false, first_name: 'Мария', username: 'msokolova' };
    const chat = { id: 31337, type: 'private', first_name: 'Мария' };
    const now = Math.floor(Date.now() / 1000);
    const texts = ['/start spring_promo', 'Здравствуйте!', 'Сколько стоит доставка?', 'В Казань', 'Спасибо'];
    telegram.push(...texts.map((text, i) => ({ update_id: 9000 + i, message: { message_id: i + 1, from, chat, date: now + i, text } })));

    const deliveries = await crm.waitForAccepted(5, 30_000);
    const events = deliveries.map((d) => d.body.event);
    expect(events.filter((e) => e === 'lead.create')).toHaveLength(1);
    expect(events.filter((e) => e === 'lead.activity')).toHaveLength(4);
    const leadIds = new Set(deliveries.map((d) => leadOf(d).leadId));
    expect(leadIds.size).toBe(1);
    expect(leadOf(deliveries[0] ?? { body: {} }).channel).toBe('telegram');
    // Every update was confirmed to Telegram only after it was durable: the poller moved past the last one.
    await telegram.waitForCalls((calls) => calls.some((c) => c.method === 'getUpdates' && c.params.offset === 9005), 10_000);
    await new Promise((r) => setTimeout(r, 500));
    expect(crm.accepted).toHaveLength(5);
  });

  test('a WhatsApp message from a phone known from a web form joins the same contact', async () => {
    const port = pipeline.port as number;
    expect((await postForm(port, 'site', { Name: 'Иван', Phone: '+7 916 123-45-67', formid: 'kitchen' })).status).toBe(202);
    const [fromForm] = await crm.waitForAccepted(1, 30_000);

    // Meta's bytes as sent (escaped unicode), with a fresh timestamp, signed with the app secret.
    const body = waFixture.replace(/"timestamp":"\d+"/, `"timestamp":"${Math.floor(Date.now() / 1000)}"`);
    const signature = `sha256=${createHmac('sha256', appSecret).update(body).digest('hex')}`;
    const res = await fetch(`http://127.0.0.1:${port}/v1/hooks/wa`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature }, body });
    expect(res.status).toBe(200);

    const [, fromWhatsApp] = await crm.waitForAccepted(2, 30_000);
    expect(fromForm && fromWhatsApp).toBeDefined();
    const formLead = leadOf(fromForm ?? { body: {} });
    const waLead = leadOf(fromWhatsApp ?? { body: {} });
    expect(waLead.contact.id).toBe(formLead.contact.id);
    expect(waLead.contact.phones).toContain('+79161234567');
    expect(fromWhatsApp?.body.event).toBe('lead.activity');
  });
});
