import { mkdtempSync, rmSync } from 'node:fs';
import { createCheckpoints } from '../../connectors/contract/checkpoints.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { Topics } from '../../contracts/topics.js';
import type { RawEventV1 } from '../../contracts/raw-event.js';
import type { ConnectorPlugin } from '../../connectors/connector.port.js';
import { telegramConnector } from '../../connectors/telegram/telegram.connector.js';
import type { TelegramConfig } from '../../connectors/telegram/telegram.config.js';
import { loadOffset } from '../../connectors/telegram/telegram.offsets.js';
import { createGatewayApp, type GatewayApp } from '../../gateway/app.js';
import { openStore } from '../../platform/store/open-store.js';
import type { Store } from '../../platform/store/store.port.js';
import { Metrics } from '../../platform/telemetry/metrics.js';
import { RecordingBus, waitFor } from '../support/recording-bus.js';
import { startTelegramBotApiStub, type TelegramBotApiStub } from '../support/telegram-bot-api.stub.js';

const botToken = '555000111:AAHpolling_test-token';
const logger = pino({ level: 'silent' });

let dataDir: string;
let store: Store;
let api: TelegramBotApiStub;
let bus: RecordingBus;
const gateways: GatewayApp[] = [];

function textUpdate(updateId: number, text = `message ${updateId}`): Record<string, unknown> {
  const from = { id: 4242, is_bot: false, first_name: 'Ivan' };
  return { update_id: updateId, message: { message_id: updateId, from, chat: { id: 4242, type: 'private', first_name: 'Ivan' }, date: 1747215060, text } };
}

async function startGateway(extra: Partial<TelegramConfig> = {}): Promise<GatewayApp> {
  const config: TelegramConfig = { id: 'poll-bot', kind: 'telegram', botToken, apiRoot: api.url, pollTimeoutSec: 1, unregisterOnStop: true, ...extra };
  const gw = createGatewayApp({ connectors: [{ plugin: telegramConnector, config }], bus, store, metrics: new Metrics({ defaultMetrics: false }), logger });
  gateways.push(gw);
  await gw.start();
  return gw;
}

const published = (): string[] => bus.on(Topics.raw).map((r) => (r.value as RawEventV1).providerEventId ?? '');

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'leadgate-telegram-'));
  store = await openStore({ kind: 'embedded', dataDir }, logger);
});
afterAll(async () => {
  await store.close();
  rmSync(dataDir, { recursive: true, force: true });
});
beforeEach(async () => {
  api = await startTelegramBotApiStub({ token: botToken, maxWaitMs: 200 });
  bus = new RecordingBus();
  await store.query('delete from connector_checkpoints');
});
afterEach(async () => {
  bus.release();
  await Promise.all(gateways.splice(0).map((g) => g.stop()));
  await api.close();
});

describe('telegram polling', () => {
  it('removes a leftover webhook before polling, then publishes messages in order and stores the offset', async () => {
    api.webhook = { url: 'https://old.example.com/hook' };
    api.push(textUpdate(100), { update_id: 101, callback_query: { id: 'q', from: { id: 4242, is_bot: false, first_name: 'Ivan' }, chat_instance: '1', data: 'x' } }, textUpdate(102));
    const gw = await startGateway();
    await waitFor(() => published().length === 2);
    expect(published()).toEqual(['100', '102']);
    const methods = api.calls.map((c) => c.method);
    expect(methods[0]).toBe('deleteWebhook');
    expect(methods).not.toContain('setWebhook');
    await waitFor(() => api.callsOf('getUpdates').some((c) => c.params.offset === 103));
    expect(await loadOffset(createCheckpoints(store, 'poll-bot'))).toBe(103);
    expect(gw.health()['poll-bot']).toEqual({ healthy: true });
    expect(bus.on(Topics.raw)[0]?.key).toBe('poll-bot:100');
  });

  it('neither loses nor repeats an update across a restart, even when stopped mid-batch', async () => {
    api.push(textUpdate(1), textUpdate(2), textUpdate(3));
    bus.hold();
    const first = await startGateway();
    await waitFor(() => bus.pending === 1);
    // Stop while update 1 is being published: it completes and is recorded, 2 and 3 stay unconfirmed.
    const stopping = first.stop();
    bus.release();
    await stopping;
    expect(published()).toEqual(['1']);
    expect(await loadOffset(createCheckpoints(store, 'poll-bot'))).toBe(2);

    api.push(textUpdate(4));
    await startGateway();
    await waitFor(() => published().length === 4);
    await waitFor(() => api.callsOf('getUpdates').some((c) => c.params.offset === 5));
    await new Promise((r) => setTimeout(r, 300));
    expect(published()).toEqual(['1', '2', '3', '4']);
    // The second run resumed from the stored offset, not from Telegram's memory.
    const resumed = api.callsOf('getUpdates').map((c) => c.params.offset);
    expect(resumed).toContain(2);
  });

  it('does not move the offset while the bus is down, and publishes once it is back', async () => {
    bus.fail();
    api.push(textUpdate(50));
    const gw = await startGateway();
    await waitFor(() => api.callsOf('getUpdates').length >= 1);
    await new Promise((r) => setTimeout(r, 700));
    expect(published()).toEqual([]);
    expect(await loadOffset(createCheckpoints(store, 'poll-bot'))).toBeUndefined();
    bus.recover();
    await waitFor(() => published().length === 1, 5000);
    await waitFor(() => api.callsOf('getUpdates').some((c) => c.params.offset === 51), 5000);
    expect(published()).toEqual(['50']);
    expect(await loadOffset(createCheckpoints(store, 'poll-bot'))).toBe(51);
    expect(gw.health()['poll-bot']?.healthy).toBe(true);
  });

  it('backs off on Telegram errors', async () => {
    api.failNext('getUpdates', { status: 502, description: 'Bad Gateway' }, 2);
    api.push(textUpdate(7));
    const gw = await startGateway();
    await waitFor(() => published().length === 1, 8000);
    expect(api.callsOf('getUpdates').length).toBeGreaterThanOrEqual(3);
    expect(gw.health()['poll-bot']?.healthy).toBe(true);
  });

  it('waits as long as a 429 retry_after asks', async () => {
    api.failNext('getUpdates', { status: 429, description: 'Too Many Requests: retry after 1', retryAfter: 1 });
    api.push(textUpdate(8));
    await startGateway();
    await waitFor(() => published().length === 1, 5000);
    const [throttled, next] = api.callsOf('getUpdates');
    expect((next?.at ?? 0) - (throttled?.at ?? 0)).toBeGreaterThanOrEqual(950);
  });

  it('marks the ingress unhealthy on a rejected token instead of hammering Telegram', async () => {
    api.revokeToken();
    const gw = await startGateway();
    await waitFor(() => gw.health()['poll-bot']?.healthy === false);
    expect(gw.health()['poll-bot']?.reason).toMatch(/token.*401/);
    const calls = api.calls.length;
    await new Promise((r) => setTimeout(r, 700));
    expect(api.calls.length).toBe(calls);
    expect(calls).toBe(1);
  });

  it('sends the auto-reply after the publish, once per chat', async () => {
    api.push(textUpdate(10), textUpdate(11));
    await startGateway({ autoReply: { text: 'Thanks, we will call you back', cooldownMinutes: 60 } });
    await waitFor(() => published().length === 2);
    await api.waitForCalls(() => api.callsOf('sendMessage').length === 1);
    await new Promise((r) => setTimeout(r, 200));
    expect(api.callsOf('sendMessage').map((c) => c.params)).toEqual([{ chat_id: 4242, text: 'Thanks, we will call you back' }]);
  });
});
