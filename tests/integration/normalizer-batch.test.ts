import { randomUUID } from 'node:crypto';
import pino from 'pino';
import type { ConnectorPlugin } from '../../connectors/connector.port.js';
import type { DeadLetter } from '../../contracts/delivery.js';
import type { LeadDraft, MapResult } from '../../contracts/lead-draft.js';
import type { RawEventV1 } from '../../contracts/raw-event.js';
import { Topics } from '../../contracts/topics.js';
import { normalizeBatch } from '../../normalizer/normalizer.batch.js';
import { Normalizer } from '../../normalizer/normalizer.service.js';
import type { BusRecord } from '../../platform/bus/bus.port.js';
import { openStore } from '../../platform/store/open-store.js';
import type { Store } from '../../platform/store/store.port.js';
import { Metrics } from '../../platform/telemetry/metrics.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { RecordingBus } from '../support/recording-bus.js';

/**
 * The batch path (one transaction per batch) must decide exactly as the per-record path: the same
 * corpus in the same order, once record by record and once in batches, gives the same contacts
 * (as identity sets), leads (as sets of requests, with their mergeable flag), merges, outcomes and
 * published records. Ids are random, so everything is compared through event keys and identities.
 */
const logger = pino({ level: 'silent' });
const draftPlugin: ConnectorPlugin = { kind: 'draft', channel: 'form', configSchema: {}, mapper: (e) => e.payload.draft as MapResult };
const poisonName = 'Poison Marker';
const refuseSql = `
create or replace function test_refuse_poison() returns trigger language plpgsql as $$
begin
  if new.output is not null and new.output::text like '%${poisonName}%' then
    raise exception 'invalid input syntax for type json' using errcode = '22P02';
  end if;
  return new;
end $$;
create trigger test_refuse_poison before update on raw_events for each row execute function test_refuse_poison();`;

/** A small deterministic generator (mulberry32), so both runs and every CI run see the same corpus. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** People with phones spelled several ways, e-mails, telegram ids and linking requests, plus ignores, mapping errors and a repeated key. */
function corpus(size: number): BusRecord[] {
  const random = rng(42);
  const t0 = Date.parse('2026-04-01T09:00:00Z');
  const out: BusRecord[] = [];
  for (let i = 0; i < size; i++) {
    const p = Math.floor(random() * 40);
    const digits = `912${String(1_000_000 + p).slice(1)}0`;
    const spelled = [`+7${digits}`, `8 (${digits.slice(0, 3)}) ${digits.slice(3, 6)}-${digits.slice(6, 8)}-${digits.slice(8)}`, `7${digits}`][Math.floor(random() * 3)];
    const contact: LeadDraft['contact'] = {};
    const roll = random();
    if (roll < 0.4 || roll > 0.9) contact.phones = [spelled];
    if (roll >= 0.4 && roll < 0.7 || roll > 0.9) contact.emails = [` Person${p}@Example.com`];
    if (roll >= 0.7) contact.ids = [{ kind: 'telegram', value: String(500_000 + p) }];
    if (random() < 0.3) contact.name = `Person ${p}`;
    const kind = random();
    const draft: MapResult | Record<string, unknown> =
      kind < 0.03 ? { kind: 'ignore', reason: 'a status update' } : kind < 0.05 ? { kind: 'lead', contact: 'not an object' } : { kind: 'lead', contact, message: `request ${i}` };
    const at = new Date(t0 + i * 7 * 60_000).toISOString();
    const raw: RawEventV1 = { v: 1, id: `raw-${i}`, connector: { id: 'c1', kind: 'draft' }, channel: random() < 0.3 ? 'call' : 'form', receivedAt: at, payload: { draft }, meta: {} };
    out.push({ topic: Topics.raw, key: `c1:event-${i}`, value: raw, headers: {}, offset: String(i), partition: 0, timestamp: Date.parse(at) });
    // A redelivery within the same batch, and a value that is not a raw event at all.
    if (i % 50 === 10) out.push({ ...out[out.length - 1], offset: `${i}b` });
    if (i % 97 === 5) out.push({ topic: Topics.raw, key: `c1:broken-${i}`, value: { not: 'a raw event' }, headers: {}, offset: `${i}c`, partition: 0, timestamp: Date.parse(at) });
  }
  return out;
}

interface Outcome {
  contacts: string[];
  leads: string[];
  merges: string[];
  rawEvents: string[];
  published: string[];
}

/** Everything the store and the bus show, without the random ids. */
async function outcome(store: Store, bus: RecordingBus): Promise<Outcome> {
  const contacts = await store.query<{ ids: string }>("select string_agg(kind || ':' || value, ' ' order by kind, value) as ids from identities group by contact_id");
  const leads = await store.query<{ keys: string }>(
    "select string_agg(a.event_key, ' ' order by a.event_key) || ' mergeable=' || bool_or(l.mergeable)::text || ' ' || l.status as keys from leads l join lead_activities a on a.lead_id = l.id group by l.id, l.status",
  );
  const merges = await store.query<{ m: string }>(
    `select m.trigger_event_key || ' ' || s.first_event_key || '<-' || d.first_event_key as m
     from contact_merges m join contacts s on s.id = m.survivor_id join contacts d on d.id = m.merged_id`,
  );
  const raw = await store.query<{ r: string }>("select event_key || ' ' || outcome || ' ' || coalesce(output->>'type', '-') as r from raw_events");
  const published = bus.records.map((r) => {
    if (r.topic === Topics.dlq) return `dlq ${(r.value as DeadLetter).key} ${(r.value as DeadLetter).code}`;
    const lead = r.value as { type: string; lineage: { rawEventIds: string[] }; contact: { isNew: boolean; mergedContactIds?: string[] } };
    return `${r.topic} ${lead.type} ${lead.lineage.rawEventIds.join(',')} new=${lead.contact.isNew} merged=${lead.contact.mergedContactIds?.length ?? 0}`;
  });
  const sorted = (rows: string[]): string[] => rows.sort();
  return { contacts: sorted(contacts.map((r) => r.ids)), leads: sorted(leads.map((r) => r.keys)), merges: sorted(merges.map((r) => r.m)), rawEvents: sorted(raw.map((r) => r.r)), published: sorted(published) };
}

describe.each(['embedded', 'postgres'] as const)('batch normalizer decides as the per-record path on %s', (backend) => {
  const dbs: TestDatabase[] = [];
  const stores: Store[] = [];

  async function fresh(): Promise<{ store: Store; bus: RecordingBus; normalizer: Normalizer }> {
    let store: Store;
    if (backend === 'postgres') {
      const db = await createTestDatabase();
      dbs.push(db);
      store = await openStore({ kind: 'postgres', url: db.url }, logger);
    } else {
      store = await openStore({ kind: 'embedded' }, logger);
    }
    stores.push(store);
    const bus = new RecordingBus();
    const normalizer = new Normalizer({ bus, store, plugins: new Map([['draft', draftPlugin]]), metrics: new Metrics({ defaultMetrics: false }), logger, defaultRegion: 'RU', mergeWindowMinutes: 60, mergeWindows: { call: 30 } });
    return { store, bus, normalizer };
  }

  afterAll(async () => {
    await Promise.all(stores.map((s) => s.close()));
    await Promise.all(dbs.map((d) => d.drop()));
  });

  test('the same corpus gives the same contacts, leads, merges, outcomes and published records', async () => {
    const records = corpus(240);
    const perRecord = await fresh();
    for (const r of records) await perRecord.normalizer.handle(r);
    const batched = await fresh();
    for (let from = 0; from < records.length; from += 37) await normalizeBatch(batched.normalizer, records.slice(from, from + 37));

    const expected = await outcome(perRecord.store, perRecord.bus);
    const actual = await outcome(batched.store, batched.bus);
    // The corpus exercises what it should: merges, several leads per contact, ignores and dead letters.
    expect(expected.merges.length).toBeGreaterThan(3);
    expect(expected.leads.length).toBeGreaterThan(expected.contacts.length);
    expect(expected.rawEvents.some((r) => r.includes('ignored'))).toBe(true);
    expect(expected.published.some((r) => r.startsWith('dlq'))).toBe(true);
    expect(actual).toEqual(expected);

    // Redelivering the whole corpus in batches changes nothing and re-publishes the stored outputs.
    const before = await outcome(batched.store, batched.bus);
    await normalizeBatch(batched.normalizer, records.slice(0, 200));
    const after = await outcome(batched.store, batched.bus);
    expect({ ...after, published: [] }).toEqual({ ...before, published: [] });
  }, 300_000);

  test('a record the store refuses is dead-lettered alone; the rest of its batch is persisted and published', async () => {
    const { store, bus, normalizer } = await fresh();
    await store.query(refuseSql);
    const make = (i: number, name: string): BusRecord => {
      const raw: RawEventV1 = { v: 1, id: randomUUID(), connector: { id: 'c1', kind: 'draft' }, channel: 'form', receivedAt: new Date().toISOString(), payload: { draft: { kind: 'lead', contact: { name, phones: [`+7913777${String(1000 + i)}`] } } }, meta: {} };
      return { topic: Topics.raw, key: `c1:refuse-${i}`, value: raw, headers: {}, offset: String(i), partition: 0, timestamp: Date.now() };
    };
    const batch = [make(0, 'Anna'), make(1, poisonName), make(2, 'Boris'), make(3, 'Vera')];
    await normalizeBatch(normalizer, batch);

    const letters = bus.records.filter((r) => r.topic === Topics.dlq).map((r) => r.value as DeadLetter);
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({ key: 'c1:refuse-1', code: 'STORE_REJECTED', failure: 'permanent' });
    const leads = bus.records.filter((r) => r.topic === Topics.normalized);
    expect(leads).toHaveLength(3);
    const rows = await store.query<{ event_key: string; outcome: string }>('select event_key, outcome from raw_events order by event_key');
    expect(rows).toEqual([
      { event_key: 'c1:refuse-0', outcome: 'lead' },
      { event_key: 'c1:refuse-1', outcome: 'dead_lettered: STORE_REJECTED' },
      { event_key: 'c1:refuse-2', outcome: 'lead' },
      { event_key: 'c1:refuse-3', outcome: 'lead' },
    ]);
  }, 120_000);
});
