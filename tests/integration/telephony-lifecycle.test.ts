import pino from 'pino';
import { createConnectorContext } from '../../connectors/contract/connector-context.js';
import { Topics } from '../../contracts/topics.js';
import type { LeadDraft, MapResult } from '../../contracts/lead-draft.js';
import type { RawEventV1 } from '../../contracts/raw-event.js';
import type { ConnectorContext, ConnectorPlugin } from '../../connectors/connector.port.js';
import { createCallSweeper } from '../../connectors/telephony/call.sweeper.js';
import { mangoConnector } from '../../connectors/telephony/mango.connector.js';
import { mangoSign } from '../../connectors/telephony/mango.signature.js';
import { sipuniConnector, type SipuniConfig } from '../../connectors/telephony/sipuni.connector.js';
import { zadarmaConnector } from '../../connectors/telephony/zadarma.connector.js';
import { zadarmaSignatures, zadarmaSignedString } from '../../connectors/telephony/zadarma.signature.js';
import { createIngest } from '../../gateway/ingest.js';
import { openStore } from '../../platform/store/open-store.js';
import type { Store } from '../../platform/store/store.port.js';
import { Metrics } from '../../platform/telemetry/metrics.js';
import { buildTestGateway, sendHook, type TestGateway } from '../support/connector-conformance.js';
import { waitFor } from '../support/recording-bus.js';

const logger = pino({ level: 'silent' });
const form = { 'Content-Type': 'application/x-www-form-urlencoded' };
let store: Store;

beforeAll(async () => {
  store = await openStore({ kind: 'embedded' }, logger);
}, 60_000);
afterAll(async () => {
  await store.close();
});

function mapAll(gw: TestGateway, plugin: ConnectorPlugin): MapResult[] {
  return gw.bus.on(Topics.raw).map((r) => {
    const raw = r.value as RawEventV1;
    return plugin.mapper({ channel: raw.channel, connectorId: raw.connector.id, payload: raw.payload, meta: raw.meta, receivedAt: raw.receivedAt });
  });
}
const leads = (results: MapResult[]): LeadDraft[] => results.filter((r): r is LeadDraft => r.kind === 'lead');

describe('Mango: legs out of order, then the summary', () => {
  const creds = { apiKey: 'mango-key-123', apiSalt: 'mango-salt-456' };
  const plugin = mangoConnector;
  const post = (gw: TestGateway, route: string, data: Record<string, unknown>) => {
    const json = JSON.stringify(data);
    const body = new URLSearchParams({ vpbx_api_key: creds.apiKey, sign: mangoSign(creds.apiKey, json, creds.apiSalt), json }).toString();
    return sendHook(gw.app, 'mango', { path: `/${route}`, headers: form, body });
  };

  it('publishes every leg once per seq, and yields exactly one lead, from the summary', async () => {
    const gw = buildTestGateway([{ plugin, config: { id: 'mango', kind: 'mango', ...creds } }], { store });
    const entry = 'ENTRY-OOO-1';
    const leg = (seq: number, state: string, extra: Record<string, unknown> = {}) => ({
      entry_id: entry,
      call_id: `LEG-${seq <= 2 ? 'A' : 'B'}`,
      seq,
      timestamp: 1715679060 + seq,
      call_state: state,
      from: { number: '79161234567' },
      to: { line_number: '74951234567', extension: seq <= 2 ? undefined : '101' },
      ...extra,
    });
    for (const [seq, state] of [[3, 'Connected'], [1, 'Appeared'], [4, 'Disconnected'], [2, 'Disconnected'], [1, 'Appeared']] as const) {
      expect((await post(gw, 'events/call', leg(seq, state))).status).toBe(200);
    }
    const summary = { entry_id: entry, call_direction: 1, from: { number: '79161234567' }, to: { extension: '101' }, line_number: '74951234567', create_time: 1715679061, talk_time: 1715679063, end_time: 1715679200, entry_result: 1, disconnect_reason: 1120 };
    expect((await post(gw, 'events/summary', summary)).status).toBe(200);
    expect((await post(gw, 'events/summary', summary)).status).toBe(200);

    const keys = gw.bus.on(Topics.raw).map((r) => r.key);
    // The repeated seq-1 leg and the repeated summary share keys with their first delivery: deduped downstream.
    expect(new Set(keys).size).toBe(5);
    const results = mapAll(gw, plugin);
    const unique = new Map(keys.map((k, i) => [k, results[i]]));
    const found = leads([...unique.values()] as MapResult[]);
    expect(found).toHaveLength(1);
    expect(found[0]?.call).toMatchObject({ callId: `mango:${entry}`, status: 'answered', durationSec: 137, extension: '101' });
    expect([...unique.values()].filter((r) => r?.kind === 'ignore').every((r) => r?.kind === 'ignore' && r.reason === 'call leg, not final')).toBe(true);

    const rows = await store.query<{ started_at: Date | null; ended_at: Date | null }>('select started_at, ended_at from telephony_calls where connector_id = $1 and call_id = $2', ['mango', entry]);
    expect(rows).toHaveLength(1);
    expect(rows[0]?.started_at).not.toBeNull();
    expect(rows[0]?.ended_at).not.toBeNull();
  });
});

describe('Sipuni: a duplicated start and no end', () => {
  const secret = 'sipuni-token-0123456789';
  const plugin = sipuniConnector;
  const config = (id: string, sweeper: SipuniConfig['sweeper']): SipuniConfig => ({ id, kind: 'sipuni', secret, sweeper });
  const start = (callId: string, ts: number): Record<string, string> => ({
    event: '1',
    call_id: callId,
    src_num: '79161234567',
    src_type: '1',
    dst_num: '74951234567',
    dst_type: '1',
    timestamp: String(ts),
  });
  const sweeperFor = (gw: TestGateway, cfg: SipuniConfig) => {
    const ctx = createConnectorContext<SipuniConfig>({
      config: cfg,
      ingest: createIngest({ plugin, config: cfg, bus: gw.bus, metrics: new Metrics({ defaultMetrics: false }), logger }),
      reject: () => undefined,
      logger,
      store,
      metrics: new Metrics({ defaultMetrics: false }),
    });
    return createCallSweeper(ctx);
  };

  it('answers {"success":true} to both starts and the sweeper emits exactly one missed call, once', async () => {
    const cfg = config('sip', { timeoutSeconds: 1, intervalSeconds: 3600 });
    const gw = buildTestGateway([{ plugin, config: cfg }], { store });
    const callId = `1715679060.${Date.now()}`;
    for (const ts of [1715679060, 1715679061]) {
      const res = await sendHook(gw.app, 'sip', { query: { token: secret }, headers: form, body: new URLSearchParams(start(callId, ts)).toString() });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ success: true });
    }
    const startKeys = gw.bus.on(Topics.raw).map((r) => r.key);
    expect(new Set(startKeys)).toEqual(new Set([`sip:${callId}:1:74951234567`]));
    gw.bus.clear();

    const sweeper = sweeperFor(gw, cfg);
    expect(await sweeper.sweepOnce(new Date())).toBe(0); // not yet past the timeout
    await new Promise((r) => setTimeout(r, 1100));
    expect(await sweeper.sweepOnce()).toBe(1);
    const swept = gw.bus.on(Topics.raw);
    expect(swept).toHaveLength(1);
    expect(swept[0]?.key).toBe(`sip:${callId}:swept`);
    const [draft] = leads(mapAll(gw, plugin));
    expect(draft?.contact.phones).toEqual(['+79161234567']);
    expect(draft?.call).toMatchObject({ direction: 'inbound', status: 'missed', outcome: 'missed', swept: true, callId: `sipuni:${callId}`, line: '+74951234567' });
    expect(draft?.tags).toEqual(expect.arrayContaining(['missed-call', 'call-end-missing']));

    expect(await sweeper.sweepOnce(new Date(Date.now() + 3_600_000))).toBe(0);
    expect(gw.bus.on(Topics.raw)).toHaveLength(1);
    await sweeper.stop();
  });

  it('does not sweep an ended call, and retries a sweep whose publish failed', async () => {
    const cfg = config('sip2', { timeoutSeconds: 1, intervalSeconds: 3600 });
    const gw = buildTestGateway([{ plugin, config: cfg }], { store });
    const ended = `e-${Date.now()}`;
    const open = `o-${Date.now()}`;
    const send = (fields: Record<string, string>) => sendHook(gw.app, 'sip2', { method: 'GET', query: { token: secret, ...fields } });
    expect((await send(start(ended, 1715679060))).status).toBe(200);
    expect((await send({ ...start(ended, 1715679090), event: '2', status: 'ANSWER' })).status).toBe(200);
    expect((await send(start(open, 1715679060))).status).toBe(200);
    gw.bus.clear();
    const sweeper = sweeperFor(gw, cfg);
    const later = new Date(Date.now() + 5000);
    gw.bus.fail();
    await expect(sweeper.sweepOnce(later)).rejects.toThrow();
    gw.bus.recover();
    expect(await sweeper.sweepOnce(later)).toBe(1);
    expect(gw.bus.on(Topics.raw).map((r) => r.key)).toEqual([`sip2:${open}:swept`]);
    await sweeper.stop();
  });

  it('the sweeper started with the gateway closes stale calls on its own', async () => {
    const cfg = config('sip3', { timeoutSeconds: 0.2, intervalSeconds: 0.1 });
    const gw = buildTestGateway([{ plugin, config: cfg }], { store });
    await gw.start();
    try {
      const callId = `auto-${Date.now()}`;
      expect((await sendHook(gw.app, 'sip3', { method: 'GET', query: { token: secret, ...start(callId, 1715679060) } })).status).toBe(200);
      await waitFor(() => gw.bus.on(Topics.raw).some((r) => r.key === `sip3:${callId}:swept`), 5000);
      await new Promise((r) => setTimeout(r, 300));
      expect(gw.bus.on(Topics.raw).filter((r) => r.key.endsWith(':swept'))).toHaveLength(1);
    } finally {
      await gw.stop();
    }
  });
});

describe('Zadarma: answered vs missed', () => {
  const apiSecret = 'zadarma-secret-42';
  const plugin = zadarmaConnector;
  const post = (gw: TestGateway, fields: Record<string, string>) => {
    const signed = zadarmaSignedString(fields.event ?? '', fields) ?? '';
    return sendHook(gw.app, 'zd', { headers: { ...form, Signature: zadarmaSignatures(apiSecret, signed).ofBytes }, body: new URLSearchParams(fields).toString() });
  };

  it('makes one answered and one missed lead from two calls, legs ignored', async () => {
    const gw = buildTestGateway([{ plugin, config: { id: 'zd', kind: 'zadarma', apiSecret, timeZone: 'Europe/Moscow' } }], { store });
    const base = { call_start: '2024-05-14 12:31:00', caller_id: '79161234567', called_did: '74951234567' };
    const a = { ...base, pbx_call_id: 'in_answered' };
    const b = { ...base, pbx_call_id: 'in_missed', caller_id: '79267654321' };
    for (const fields of [
      { ...a, event: 'NOTIFY_START' },
      { ...b, event: 'NOTIFY_START' },
      { ...a, event: 'NOTIFY_ANSWER', destination: '101' },
      { ...a, event: 'NOTIFY_END', internal: '101', duration: '61', disposition: 'answered', status_code: '16', is_recorded: '0' },
      { ...b, event: 'NOTIFY_END', internal: '', duration: '0', disposition: 'no answer', status_code: '19', is_recorded: '0' },
      { ...b, event: 'NOTIFY_RECORD', call_id_with_rec: 'x' },
    ]) {
      expect((await post(gw, fields)).status).toBe(200);
    }
    const found = leads(mapAll(gw, plugin));
    expect(found.map((l) => [l.call?.callId, l.call?.status, l.call?.rawDisposition])).toEqual([
      ['zadarma:in_answered', 'answered', 'answered'],
      ['zadarma:in_missed', 'missed', 'no answer'],
    ]);
    expect(found[1]?.tags).toContain('missed-call');
    expect(gw.bus.on(Topics.raw)).toHaveLength(5);
    const open = await store.query('select call_id from telephony_calls where connector_id = $1 and ended_at is null', ['zd']);
    expect(open).toHaveLength(0);
  });
});
