import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Topics } from '../../contracts/topics.js';
import type { RawEventV1 } from '../../contracts/raw-event.js';
import type { ConnectorPlugin } from '../../connectors/connector.port.js';
import { telegramConnector } from '../../connectors/telegram/telegram.connector.js';
import type { TelegramConfig } from '../../connectors/telegram/telegram.config.js';
import { buildTestGateway, sendHook, type TestGateway } from '../support/connector-conformance.js';
import { waitFor } from '../support/recording-bus.js';
import { startTelegramBotApiStub, type TelegramBotApiStub } from '../support/telegram-bot-api.stub.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '../fixtures/telegram');
const fixture = (name: string): string => readFileSync(join(fixtures, `${name}.body`), 'utf8');
const botToken = '987654321:AAHwebhook_test-token';
const secretToken = 'webhook-secret-0123456789abcdef0123';
const signed = { 'Content-Type': 'application/json', 'X-Telegram-Bot-Api-Secret-Token': secretToken };

let api: TelegramBotApiStub;
let gw: TestGateway | undefined;

function configOf(extra: Partial<TelegramConfig> = {}): TelegramConfig {
  return { id: 'shop-bot', kind: 'telegram', botToken, publicUrl: 'https://leads.example.com/', secretToken, apiRoot: api.url, pollTimeoutSec: 1, unregisterOnStop: true, ...extra };
}
function gateway(extra: Partial<TelegramConfig> = {}): TestGateway {
  gw = buildTestGateway([{ plugin: telegramConnector, config: configOf(extra) }]);
  return gw;
}
function textUpdate(updateId: number, text: string, chatId = 123456789): string {
  const from = { id: chatId, is_bot: false, first_name: 'Мария' };
  return JSON.stringify({ update_id: updateId, message: { message_id: updateId, from, chat: { id: chatId, type: 'private', first_name: 'Мария' }, date: 1747215060, text } });
}

beforeEach(async () => {
  api = await startTelegramBotApiStub({ token: botToken });
});
afterEach(async () => {
  await gw?.stop();
  gw = undefined;
  await api.close();
});

describe('telegram webhook lifecycle', () => {
  it('registers <publicUrl>/v1/hooks/<id> with the secret on start and removes it on stop', async () => {
    const g = gateway();
    expect(g.health()).toEqual({});
    await g.start();
    await waitFor(() => g.health()['shop-bot']?.healthy === true);
    expect(api.webhook).toEqual({ url: 'https://leads.example.com/v1/hooks/shop-bot', secretToken });
    expect(api.callsOf('setWebhook')[0]?.params).toMatchObject({ allowed_updates: ['message'] });
    await g.stop();
    expect(api.webhook).toBeUndefined();
    expect(api.callsOf('deleteWebhook')).toHaveLength(1);
  });

  it('keeps the webhook on stop when unregisterOnStop is off (several gateways share the bot)', async () => {
    const g = gateway({ unregisterOnStop: false });
    await g.start();
    await waitFor(() => g.health()['shop-bot']?.healthy === true);
    await g.stop();
    expect(api.webhook).toBeDefined();
  });

  it('reports a rejected token as unhealthy and does not retry it', async () => {
    api.revokeToken();
    const g = gateway();
    await g.start();
    await waitFor(() => g.health()['shop-bot']?.reason?.includes('401') === true);
    await new Promise((r) => setTimeout(r, 700));
    expect(api.callsOf('setWebhook')).toHaveLength(1);
    expect(g.health()['shop-bot']?.healthy).toBe(false);
  });
});

describe('telegram webhook requests', () => {
  it('publishes a message update keyed by update_id and answers 200 after the publish', async () => {
    const g = gateway();
    const res = await sendHook(g.app, 'shop-bot', { headers: signed, body: fixture('text-private') });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'accepted' });
    const [record] = g.bus.on(Topics.raw);
    expect(record?.key).toBe('shop-bot:815230001');
    const event = record?.value as RawEventV1;
    expect(event).toMatchObject({ channel: 'telegram', providerEventId: '815230001', connector: { id: 'shop-bot', kind: 'telegram' } });
    expect(event.payload).toEqual(JSON.parse(fixture('text-private')));
    expect(event.meta.headers?.['x-telegram-bot-api-secret-token']).toBe('[redacted]');
  });

  it('gives a redelivered update the same key, so it is one event downstream', async () => {
    const g = gateway();
    for (let i = 0; i < 2; i++) expect((await sendHook(g.app, 'shop-bot', { headers: signed, body: fixture('text-private') })).status).toBe(200);
    const keys = g.bus.on(Topics.raw).map((r) => r.key);
    expect(keys).toEqual(['shop-bot:815230001', 'shop-bot:815230001']);
  });

  it.each([
    ['missing', undefined],
    ['wrong', 'another-secret-0123456789abcdef01234'],
    ['prefix of the right', secretToken.slice(0, 10)],
  ])('refuses a %s secret with 401 and publishes nothing', async (_label, secret) => {
    const g = gateway();
    const headers: Record<string, string> = { 'Content-Type': 'application/json' };
    if (secret) headers['X-Telegram-Bot-Api-Secret-Token'] = secret;
    const res = await sendHook(g.app, 'shop-bot', { headers, body: fixture('text-private') });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('UNAUTHORIZED');
    expect(g.bus.records).toHaveLength(0);
  });

  it.each([
    ['edited-message', 'edited message'],
    ['from-bot', 'message from a bot'],
    ['group-message', 'supergroup chat message'],
    ['callback-query', 'callback_query update'],
    ['my-chat-member', 'my_chat_member update'],
  ])('answers %s with 200 ignored and publishes nothing', async (name, reason) => {
    const g = gateway();
    const res = await sendHook(g.app, 'shop-bot', { headers: signed, body: fixture(name) });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ignored', reason });
    expect(g.bus.records).toHaveLength(0);
  });

  it.each([
    ['bad JSON', 'application/json', '{"update_id":', 400, 'BAD_REQUEST'],
    ['a JSON array', 'application/json', '[1,2]', 422, 'VALIDATION_FAILED'],
    ['no update_id', 'application/json', '{"message":{"text":"hi"}}', 422, 'VALIDATION_FAILED'],
    ['a negative update_id', 'application/json', '{"update_id":-5}', 422, 'VALIDATION_FAILED'],
    ['a message without chat', 'application/json', '{"update_id":5,"message":{"message_id":1,"date":1,"text":"hi"}}', 422, 'VALIDATION_FAILED'],
    ['a form post', 'application/x-www-form-urlencoded', 'update_id=5', 415, 'UNSUPPORTED_MEDIA_TYPE'],
  ])('refuses %s with a clear 4xx', async (_label, contentType, body, status, code) => {
    const g = gateway();
    const res = await sendHook(g.app, 'shop-bot', { headers: { ...signed, 'Content-Type': contentType }, body });
    expect(res.status).toBe(status);
    expect(res.body.error).toMatchObject({ code });
    expect(typeof res.body.error.message).toBe('string');
    expect(g.bus.records).toHaveLength(0);
  });

  it('takes no webhook in polling mode', async () => {
    const g = gateway({ publicUrl: undefined });
    const res = await sendHook(g.app, 'shop-bot', { headers: signed, body: fixture('text-private') });
    expect(res.status).toBe(404);
    expect(g.bus.records).toHaveLength(0);
  });
});

describe('telegram auto-reply', () => {
  const autoReply = { text: 'Спасибо! Менеджер ответит в течение 15 минут.', cooldownMinutes: 60 };

  it('replies only after the raw event is durable, once per chat within the cooldown', async () => {
    const g = gateway({ autoReply });
    g.bus.hold();
    const pending = sendHook(g.app, 'shop-bot', { headers: signed, body: textUpdate(1, 'Здравствуйте') }).then((r) => r);
    await waitFor(() => g.bus.pending === 1);
    await new Promise((r) => setTimeout(r, 50));
    expect(api.callsOf('sendMessage')).toHaveLength(0);
    g.bus.release();
    expect((await pending).status).toBe(200);
    await api.waitForCalls(() => api.callsOf('sendMessage').length === 1);
    expect(api.callsOf('sendMessage')[0]?.params).toEqual({ chat_id: 123456789, text: autoReply.text });

    await sendHook(g.app, 'shop-bot', { headers: signed, body: textUpdate(2, 'Есть доставка?') });
    await sendHook(g.app, 'shop-bot', { headers: signed, body: textUpdate(3, 'Привет', 555) });
    await api.waitForCalls(() => api.callsOf('sendMessage').length === 2);
    await new Promise((r) => setTimeout(r, 100));
    expect(api.callsOf('sendMessage').map((c) => c.params.chat_id)).toEqual([123456789, 555]);
  });

  it('does not reply when the publish failed', async () => {
    const g = gateway({ autoReply });
    g.bus.fail();
    expect((await sendHook(g.app, 'shop-bot', { headers: signed, body: textUpdate(1, 'hi') })).status).toBe(503);
    await new Promise((r) => setTimeout(r, 100));
    expect(api.callsOf('sendMessage')).toHaveLength(0);
  });

  it('still answers 200 when Telegram refuses the reply', async () => {
    api.failNext('sendMessage', { status: 403, description: 'Forbidden: bot was blocked by the user' });
    const g = gateway({ autoReply });
    const res = await sendHook(g.app, 'shop-bot', { headers: signed, body: textUpdate(1, 'hi') });
    expect(res.status).toBe(200);
    await api.waitForCalls(() => api.callsOf('sendMessage').length === 1);
    expect(g.bus.on(Topics.raw)).toHaveLength(1);
  });
});
