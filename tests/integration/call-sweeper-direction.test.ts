import pino from 'pino';
import { createConnectorContext } from '../../connectors/contract/connector-context.js';
import { Topics } from '../../contracts/topics.js';
import type { MapResult } from '../../contracts/lead-draft.js';
import type { RawEventV1 } from '../../contracts/raw-event.js';
import type { ConnectorConfig, ConnectorContext, ConnectorPlugin } from '../../connectors/connector.port.js';
import { createCallSweeper } from '../../connectors/telephony/call.sweeper.js';
import { mangoConnector } from '../../connectors/telephony/mango.connector.js';
import { mangoSign } from '../../connectors/telephony/mango.signature.js';
import { sipuniConnector } from '../../connectors/telephony/sipuni.connector.js';
import type { TelephonyConfig } from '../../connectors/telephony/telephony.config.js';
import { SWEPT_NOT_INBOUND } from '../../connectors/telephony/telephony.mapping.js';
import { zadarmaConnector } from '../../connectors/telephony/zadarma.connector.js';
import { zadarmaSignatures, zadarmaSignedString } from '../../connectors/telephony/zadarma.signature.js';
import { createIngest } from '../../gateway/ingest.js';
import { openStore } from '../../platform/store/open-store.js';
import type { Store } from '../../platform/store/store.port.js';
import { Metrics } from '../../platform/telemetry/metrics.js';
import { buildTestGateway, sendHook, type TestGateway } from '../support/connector-conformance.js';

/**
 * The sweeper closes calls whose end never came; it must never invent a lead from an event that is not
 * an inbound call. Events go through the real signed ingress into a real (embedded) store; the sweep runs
 * with a clock moved past the timeout, so nothing here waits on time.
 */
const logger = pino({ level: 'silent' });
const form = { 'Content-Type': 'application/x-www-form-urlencoded' };
const sweeper = { timeoutSeconds: 1, intervalSeconds: 3600 };
const later = (): Date => new Date(Date.now() + 60_000);
let store: Store;
const sweepers: { stop(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(sweepers.splice(0).map((s) => s.stop()));
});

beforeAll(async () => {
  store = await openStore({ kind: 'embedded' }, logger);
}, 60_000);
afterAll(async () => {
  await store.close();
});

function setUp(plugin: ConnectorPlugin, config: ConnectorConfig & TelephonyConfig): { gw: TestGateway; sweepOnce: (now: Date) => Promise<number>; mapped: () => MapResult[] } {
  const gw = buildTestGateway([{ plugin, config }], { store });
  const metrics = new Metrics({ defaultMetrics: false });
  const ctx = createConnectorContext<TelephonyConfig>({ config, ingest: createIngest({ plugin, config, bus: gw.bus, metrics, logger }), reject: () => undefined, logger, store, metrics });
  const running = createCallSweeper(ctx);
  sweepers.push(running);
  const mapped = (): MapResult[] =>
    gw.bus.on(Topics.raw).map((r) => {
      const raw = r.value as RawEventV1;
      return plugin.mapper({ channel: raw.channel, connectorId: raw.connector.id, payload: raw.payload, meta: raw.meta, receivedAt: raw.receivedAt });
    });
  return { gw, sweepOnce: (now) => running.sweepOnce(now), mapped };
}

describe('Mango', () => {
  const creds = { apiKey: 'mango-key-sweeper', apiSalt: 'mango-salt-sweeper' };
  const plugin = mangoConnector;
  const post = (gw: TestGateway, id: string, data: Record<string, unknown>) => {
    const json = JSON.stringify(data);
    const body = new URLSearchParams({ vpbx_api_key: creds.apiKey, sign: mangoSign(creds.apiKey, json, creds.apiSalt), json }).toString();
    return sendHook(gw.app, id, { path: '/events/call', headers: form, body });
  };

  it('a signed command/result leg with Cyrillic text and no summary is never swept into a lead', async () => {
    const { gw, sweepOnce, mapped } = setUp(plugin, { id: 'mango-cmd', kind: 'mango', ...creds, sweeper } as ConnectorConfig & TelephonyConfig);
    const res = await post(gw, 'mango-cmd', {
      entry_id: `CMD-${Date.now()}`,
      call_id: 'LEG-CMD',
      seq: 1,
      timestamp: 1715679060,
      call_state: 'Appeared',
      command_id: 'cb-7781',
      callback_initiator: 'API',
      location: 'abonent',
      from: { extension: '101', number: 'sip:manager@vpbx400123.mangosip.ru' },
      to: { number: '79161234567', acd_group: 'Отдел продаж — обратный звонок' },
      disconnect_reason: 'Команда выполнена: перезвонить клиенту',
    });
    expect(res.status).toBe(200);
    expect(mapped()).toEqual([{ kind: 'ignore', reason: 'call leg, not final' }]);
    gw.bus.clear();
    expect(await sweepOnce(later())).toBe(0);
    expect(gw.bus.on(Topics.raw)).toHaveLength(0);
  });

  it('an inbound leg whose summary never came is swept as the inbound missed call it was', async () => {
    const { gw, sweepOnce, mapped } = setUp(plugin, { id: 'mango-in', kind: 'mango', ...creds, sweeper } as ConnectorConfig & TelephonyConfig);
    const entry = `IN-${Date.now()}`;
    expect((await post(gw, 'mango-in', { entry_id: entry, call_id: 'LEG-A', seq: 1, timestamp: 1715679060, call_state: 'Appeared', from: { number: '79161234567' }, to: { line_number: '74951234567' } })).status).toBe(200);
    gw.bus.clear();
    expect(await sweepOnce(later())).toBe(1);
    const [draft] = mapped();
    expect(draft).toMatchObject({
      kind: 'lead',
      call: { direction: 'inbound', status: 'missed', swept: true, from: '+79161234567', line: '+74951234567', startedAt: '2024-05-14T09:31:00.000Z' },
      provider: { name: 'mango', callId: entry, eventId: 'LEG-A', timestamp: '1715679060' },
    });
  });
});

describe('Zadarma', () => {
  const secret = 'zadarma-secret-sweeper';
  const plugin = zadarmaConnector;

  it('an outbound call whose end never came is closed but makes no lead', async () => {
    const { gw, sweepOnce, mapped } = setUp(plugin, { id: 'zd-out', kind: 'zadarma', apiSecret: secret, timeZone: 'Europe/Moscow', sweeper } as ConnectorConfig & TelephonyConfig);
    const fields = { event: 'NOTIFY_OUT_START', call_start: '2024-05-14 12:31:00', pbx_call_id: `out-${Date.now()}`, internal: '101', destination: '79161234567', caller_id: '74951234567' };
    const signature = zadarmaSignatures(secret, zadarmaSignedString(fields.event, fields) ?? '').ofHex;
    expect((await sendHook(gw.app, 'zd-out', { headers: { ...form, Signature: signature }, body: new URLSearchParams(fields).toString() })).status).toBe(200);
    gw.bus.clear();
    expect(await sweepOnce(later())).toBe(1);
    expect(mapped()).toEqual([{ kind: 'ignore', reason: SWEPT_NOT_INBOUND }]);
  });
});

describe('Sipuni', () => {
  const secret = 'sipuni-token-sweeper-0123';
  const plugin = sipuniConnector;

  it('a start repeated a second later keeps the first start time exactly', async () => {
    const { gw, sweepOnce, mapped } = setUp(plugin, { id: 'sip-dup', kind: 'sipuni', secret, sweeper } as ConnectorConfig & TelephonyConfig);
    const callId = `1715679060.${Date.now()}`;
    for (const ts of ['1715679060', '1715679061']) {
      const start = { event: '1', call_id: callId, src_num: '79161234567', src_type: '1', dst_num: '78126006060_id265648', dst_type: '1', timestamp: ts };
      expect((await sendHook(gw.app, 'sip-dup', { query: { token: secret }, headers: form, body: new URLSearchParams(start).toString() })).status).toBe(200);
    }
    gw.bus.clear();
    expect(await sweepOnce(later())).toBe(1);
    const [draft] = mapped();
    expect(draft).toMatchObject({ kind: 'lead', call: { direction: 'inbound', startedAt: '2024-05-14T09:31:00.000Z', line: '+78126006060' }, provider: { timestamp: '1715679060' } });
  });
});
