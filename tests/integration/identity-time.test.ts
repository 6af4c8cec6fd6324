import { randomUUID } from 'node:crypto';
import pino from 'pino';
import type { ConnectorPlugin } from '../../connectors/connector.port.js';
import type { LeadDraft, MapResult } from '../../contracts/lead-draft.js';
import type { LeadV1 } from '../../contracts/lead.js';
import type { RawEventV1 } from '../../contracts/raw-event.js';
import { Topics } from '../../contracts/topics.js';
import { createRawKeyBuilder } from '../../gateway/raw-key.js';
import { eventTimeOf } from '../../normalizer/event-time.js';
import { Normalizer } from '../../normalizer/normalizer.service.js';
import type { BusRecord } from '../../platform/bus/bus.port.js';
import { openStore } from '../../platform/store/open-store.js';
import type { Store } from '../../platform/store/store.port.js';
import { Metrics } from '../../platform/telemetry/metrics.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { RecordingBus } from '../support/recording-bus.js';

/**
 * Event time, spam and the merge rule at the normalizer, on both stores (PGlite and PostgreSQL), plus the
 * content-hash key's retry window with an injected clock.
 */
const logger = pino({ level: 'silent' });
const H = 3_600_000;
const D = 24 * H;
const draftPlugin = (kind: string): ConnectorPlugin => ({ kind, channel: 'form', configSchema: {}, mapper: (e) => e.payload.draft as MapResult });

interface RecordOptions {
  receivedAt: number;
  occurredAt?: number;
  channel?: RawEventV1['channel'];
  kind?: string;
  flags?: string[];
  spam?: boolean;
}

function record(contact: LeadDraft['contact'], o: RecordOptions): BusRecord {
  const draft: LeadDraft = { kind: 'lead', contact, ...(o.occurredAt !== undefined ? { occurredAt: new Date(o.occurredAt).toISOString() } : {}), ...(o.spam ? { spam: true } : {}) };
  const raw: RawEventV1 = {
    v: 1,
    id: randomUUID(),
    connector: { id: o.kind ?? 'c1', kind: o.kind ?? 'draft' },
    channel: o.channel ?? 'form',
    receivedAt: new Date(o.receivedAt).toISOString(),
    payload: { draft },
    meta: o.flags ? { flags: o.flags } : {},
  };
  return { topic: Topics.raw, key: `${raw.connector.id}:${raw.id}`, value: raw, headers: {}, offset: '0', partition: 0, timestamp: Date.now() };
}

let seq = 5000;
const nextPhone = (): string => `+7913000${String(seq++).padStart(4, '0')}`;

test('event time: provider time within the skew, else the receive time; import times have no past limit', () => {
  const r = '2026-05-10T12:00:00.000Z';
  const policy = { maxSkewMinutes: 15, maxPastDays: 30 };
  expect(eventTimeOf(r, '2026-05-10T11:00:00Z', 'forms', policy)).toEqual({ at: '2026-05-10T11:00:00.000Z', source: 'provider' });
  expect(eventTimeOf(r, '2026-05-10T12:10:00Z', 'forms', policy)).toEqual({ at: '2026-05-10T12:10:00.000Z', source: 'provider' });
  expect(eventTimeOf(r, '2026-05-10T12:20:00Z', 'forms', policy)).toEqual({ at: r, source: 'received' });
  expect(eventTimeOf(r, '2026-03-01T12:00:00Z', 'forms', policy)).toEqual({ at: r, source: 'received' });
  expect(eventTimeOf(r, '2019-03-01T12:00:00Z', 'import', policy)).toEqual({ at: '2019-03-01T12:00:00.000Z', source: 'provider' });
  expect(eventTimeOf(r, 'not a date', 'forms', policy)).toEqual({ at: r, source: 'received' });
  expect(eventTimeOf(r, undefined, 'forms', policy)).toEqual({ at: r, source: 'received' });
});

describe.each(['embedded', 'postgres'] as const)('event time, spam and merges on %s', (backend) => {
  let store: Store;
  let db: TestDatabase | undefined;
  let bus: RecordingBus;
  let normalizer: Normalizer;
  const published = (): LeadV1[] => bus.records.filter((p) => p.topic === Topics.normalized).map((p) => p.value as LeadV1);
  const handle = async (r: BusRecord): Promise<LeadV1> => {
    await normalizer.handle(r);
    const all = published();
    return all[all.length - 1];
  };
  const count = async (table: string): Promise<number> => Number((await store.query<{ c: string }>(`select count(*)::text as c from ${table}`))[0].c);

  beforeAll(async () => {
    db = backend === 'postgres' ? await createTestDatabase() : undefined;
    store = await openStore(db ? { kind: 'postgres', url: db.url } : { kind: 'embedded' }, logger);
    bus = new RecordingBus();
    normalizer = new Normalizer({
      bus, store, plugins: new Map([['draft', draftPlugin('draft')], ['import', draftPlugin('import')]]), metrics: new Metrics({ defaultMetrics: false }), logger,
      defaultRegion: 'RU', mergeWindowMinutes: 1440, mergeWindows: { call: 60 }, eventTime: { maxSkewMinutes: 15, maxPastDays: 30 },
    });
  });

  afterAll(async () => {
    await store.close();
    await db?.drop();
  });

  test('a replay of last month decides lead-vs-activity by the events\' own times, and flags the source', async () => {
    const phone = nextPhone();
    const t0 = Date.parse('2026-04-01T09:00:00Z');
    // Raw events stored a month ago, re-run today: their receivedAt is the original one.
    const a = await handle(record({ phones: [phone] }, { receivedAt: t0 + 5000, occurredAt: t0 }));
    const b = await handle(record({ phones: [phone] }, { receivedAt: t0 + 2 * H + 5000, occurredAt: t0 + 2 * H }));
    const c = await handle(record({ phones: [phone] }, { receivedAt: t0 + 2 * D, occurredAt: t0 + 2 * D }));
    expect(a).toMatchObject({ type: 'lead.created', eventTime: new Date(t0).toISOString(), eventTimeSource: 'provider' });
    expect(b).toMatchObject({ type: 'lead.activity', leadId: a.leadId });
    expect(c.type).toBe('lead.created');
    const skewed = await handle(record({ phones: [phone] }, { receivedAt: t0 + 2 * D + H, occurredAt: t0 + 3 * D }));
    expect(skewed).toMatchObject({ type: 'lead.activity', leadId: c.leadId, eventTimeSource: 'received', eventTime: new Date(t0 + 2 * D + H).toISOString() });
  });

  test('an e-mail fetched two days late opens its own lead instead of joining today\'s', async () => {
    const phone = nextPhone();
    const email = `late${seq}@example.com`;
    const now = Date.parse('2026-05-03T12:00:00Z');
    const today = await handle(record({ phones: [phone], emails: [email] }, { receivedAt: now - H, occurredAt: now - H }));
    // On receive time this would join today's lead; the person wrote two days before it.
    const late = await handle(record({ emails: [email] }, { receivedAt: now, occurredAt: now - 2 * D, channel: 'email' }));
    expect(late).toMatchObject({ type: 'lead.created', eventTimeSource: 'provider', contact: { id: today.contact.id } });
    expect(late.leadId).not.toBe(today.leadId);
    // Today's lead still takes today's requests: the backfilled, older lead did not steal it.
    const next = await handle(record({ phones: [phone] }, { receivedAt: now + 60_000 }));
    expect(next).toMatchObject({ type: 'lead.activity', leadId: today.leadId });
  });

  test('a late request from shortly before an existing lead joins that lead (the CRM already holds it)', async () => {
    const phone = nextPhone();
    const t = Date.parse('2026-05-04T10:30:00Z');
    const call = await handle(record({ phones: [phone] }, { receivedAt: t, occurredAt: t, channel: 'call' }));
    const mail = await handle(record({ phones: [phone] }, { receivedAt: t + 26 * H, occurredAt: t - 30 * 60_000, channel: 'email' }));
    expect(mail).toMatchObject({ type: 'lead.activity', leadId: call.leadId, eventTime: new Date(t - 30 * 60_000).toISOString() });
  });

  test('an import row keeps a time years old', async () => {
    const old = Date.parse('2021-06-01T08:00:00Z');
    const lead = await handle(record({ phones: [nextPhone()] }, { receivedAt: Date.now(), occurredAt: old, kind: 'import' }));
    expect(lead).toMatchObject({ type: 'lead.created', eventTime: new Date(old).toISOString(), eventTimeSource: 'provider' });
  });

  test('spam claims nothing: no contact, identity or lead; the real caller then gets a new lead of their own', async () => {
    const phone = nextPhone();
    const email = `spam${seq}@example.com`;
    const before = { contacts: await count('contacts'), identities: await count('identities'), leads: await count('leads') };
    const t = Date.parse('2026-05-05T10:00:00Z');
    const bot = record({ phones: [phone], emails: [email] }, { receivedAt: t, flags: ['spam'] });
    const spam = await handle(bot);
    const flaggedByMapper = await handle(record({ phones: [phone] }, { receivedAt: t + 1000, spam: true }));
    expect(spam.spam).toBe(true);
    expect(flaggedByMapper.spam).toBe(true);
    expect({ contacts: await count('contacts'), identities: await count('identities'), leads: await count('leads') }).toEqual(before);
    const [row] = await store.query<{ outcome: string }>('select outcome from raw_events where event_key = $1', [bot.key]);
    expect(row.outcome).toBe('spam');
    // A redelivery of the spam event republishes its record and still creates nothing.
    await normalizer.handle(bot);
    expect(await count('contacts')).toBe(before.contacts);

    const call = await handle(record({ phones: [phone] }, { receivedAt: t + 10 * 60_000, channel: 'call' }));
    expect(call).toMatchObject({ type: 'lead.created', spam: false, contact: { isNew: true } });
    expect(call.contact.id).not.toBe(spam.contact.id);
    // Spam cannot link two real contacts either.
    const other = await handle(record({ emails: [email] }, { receivedAt: t + 11 * 60_000 }));
    await handle(record({ phones: [phone], emails: [email] }, { receivedAt: t + 12 * 60_000, flags: ['spam'] }));
    expect(await store.query('select 1 from contact_merges where survivor_id = $1 or merged_id = $1', [other.contact.id])).toEqual([]);
  });

  test('after a merge the request joins the youngest open lead of the person; each lead keeps its id', async () => {
    const phone = nextPhone();
    const email = `merge${seq}@example.com`;
    const t = Date.parse('2026-05-06T09:00:00Z');
    const byPhone = await handle(record({ phones: [phone] }, { receivedAt: t }));
    const byEmail = await handle(record({ emails: [email] }, { receivedAt: t + 3 * H }));
    const link = await handle(record({ phones: [phone], emails: [email] }, { receivedAt: t + 4 * H }));
    expect(link).toMatchObject({ type: 'lead.activity', leadId: byEmail.leadId, contact: { id: byPhone.contact.id }, mergedContactIds: [byEmail.contact.id] });
    const after = await handle(record({ phones: [phone] }, { receivedAt: t + 5 * H }));
    expect(after).toMatchObject({ type: 'lead.activity', leadId: byEmail.leadId });
    const leads = await store.query<{ id: string; contact_id: string }>('select id, contact_id from leads where id = any($1::text[]) order by created_at', [[byPhone.leadId, byEmail.leadId]]);
    expect(leads).toEqual([{ id: byPhone.leadId, contact_id: byPhone.contact.id }, { id: byEmail.leadId, contact_id: byPhone.contact.id }]);
    // Outside the window of the youngest lead, a new lead opens.
    const later = await handle(record({ phones: [phone] }, { receivedAt: t + 3 * H + 25 * H }));
    expect(later.type).toBe('lead.created');
  });

  test('content hash: a retry within the window collapses (across any bucket edge, across gateways), days later is new', async () => {
    const gatewayA = createRawKeyBuilder({ store, retryWindowMinutes: 10 });
    const gatewayB = createRawKeyBuilder({ store, retryWindowMinutes: 10 });
    const body = { name: 'Anna', phone: nextPhone() };
    const boundary = Math.ceil(Date.parse('2026-05-07T10:00:00Z') / 600_000) * 600_000;
    const first = await gatewayA('site', undefined, body, boundary - 1000);
    expect(first).toMatch(/^site:sha256:[0-9a-f]{64}@\d+$/);
    expect(await gatewayB('site', undefined, { phone: body.phone, name: 'Anna' }, boundary + 1000)).toBe(first);
    expect(await gatewayA('site', undefined, body, boundary + 8 * 60_000)).toBe(first);
    // Measured from the first receipt, not the last retry: 10 minutes after it, the same body is new.
    const again = await gatewayB('site', undefined, body, boundary - 1000 + 10 * 60_000 + 1);
    expect(again).not.toBe(first);
    const daysLater = await gatewayA('site', undefined, body, boundary + 3 * D);
    expect(daysLater).not.toBe(first);
    expect(daysLater).not.toBe(again);
    expect(await gatewayA('other', undefined, body, boundary)).not.toBe(first);
    expect(await gatewayA('site', 'tran-1', body, boundary)).toBe('site:tran-1');
  });
});
