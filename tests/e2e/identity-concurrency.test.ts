import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import pino from 'pino';
import type { ConnectorPlugin } from '../../connectors/connector.port.js';
import type { LeadDraft, MapResult } from '../../contracts/lead-draft.js';
import type { RawEventV1 } from '../../contracts/raw-event.js';
import { Topics } from '../../contracts/topics.js';
import { Normalizer } from '../../normalizer/normalizer.service.js';
import type { Bus } from '../../platform/bus/bus.port.js';
import { createKafkaBus } from '../../platform/bus/kafka-bus.js';
import { namespacedBus } from '../../platform/bus/namespaced-bus.js';
import { sleep } from '../../platform/retry.js';
import { openStore } from '../../platform/store/open-store.js';
import type { Store } from '../../platform/store/store.port.js';
import { Metrics } from '../../platform/telemetry/metrics.js';
import { kafkaBrokers } from '../support/pipeline-harness.js';
import { createTestDatabase } from '../support/postgres.js';

/**
 * Property: whatever the arrival order and however many normalizer instances share the consumer group,
 * the final contacts (as sets of identity sets) and leads (as sets of grouped requests) equal what a
 * simple sequential model computes. LEADGATE_IDENTITY_RUNS / LEADGATE_IDENTITY_PEOPLE make it longer.
 */
const logger = pino({ level: 'silent' });
const runs = Number(process.env.LEADGATE_IDENTITY_RUNS ?? 5);
const maxPeople = Number(process.env.LEADGATE_IDENTITY_PEOPLE ?? 16);

const draftPlugin: ConnectorPlugin = { kind: 'draft', channel: 'form', configSchema: {}, mapper: (e) => e.payload.draft as MapResult };

interface Person {
  /** Anchored: every request carries the phone, so the contact never needs a merge and its lead is fixed. */
  anchored: boolean;
  requests: { phone?: number; email?: boolean; telegram?: boolean; channel: 'form' | 'call'; minute: number }[];
}

const spellings = (p: number, k: number): string => {
  const n = String(1_000_000 + p).slice(1);
  return [`+7 912 3${n}`, `8 (912) 3${n.slice(0, 3)}-${n.slice(3)}`, `79123${n}`, `912 3${n}`][k % 4];
};

const request = fc.record({ phone: fc.option(fc.nat(3), { nil: undefined }), email: fc.boolean(), telegram: fc.boolean(), channel: fc.constantFrom('form' as const, 'call' as const), minute: fc.nat(30) });
const person = fc.record({ anchored: fc.boolean(), requests: fc.array(request, { minLength: 1, maxLength: 8 }) });
const scenario = fc.record({
  people: fc.array(person, { minLength: 2, maxLength: maxPeople }),
  instances: fc.integer({ min: 1, max: 4 }),
  order: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 200, maxLength: 200 }),
});

interface Event {
  key: string;
  person: number;
  identities: string[];
  draft: LeadDraft;
  channel: 'form' | 'call';
  at: string;
}

/** Requests of the scenario; a non-anchored person's requests each carry at least one identity, the last links all. */
function events(people: Person[]): Event[] {
  const t0 = Date.parse('2026-04-01T09:00:00Z');
  const out: Event[] = [];
  people.forEach((p, i) => {
    p.requests.forEach((r, j) => {
      const linking = !p.anchored && j === p.requests.length - 1;
      const phone = p.anchored || linking ? (r.phone ?? j) : r.phone;
      const email = linking || r.email || (!p.anchored && phone === undefined && !r.telegram);
      const telegram = linking || r.telegram;
      const ids: string[] = [];
      const contact: LeadDraft['contact'] = {};
      if (phone !== undefined) {
        contact.phones = [spellings(i, phone)];
        ids.push(`phone:+79123${String(1_000_000 + i).slice(1)}`);
      }
      if (email) {
        contact.emails = [` Person${i}@Example.COM`];
        ids.push(`email:person${i}@example.com`);
      }
      if (telegram) {
        contact.ids = [{ kind: 'telegram', value: String(100_000 + i) }];
        ids.push(`telegram:${100_000 + i}`);
      }
      out.push({ key: `c1:${randomUUID()}`, person: i, identities: ids, draft: { kind: 'lead', contact, message: `p${i} r${j}` }, channel: r.channel, at: new Date(t0 + i * 86_400_000 + r.minute * 60_000).toISOString() });
    });
  });
  return out;
}

/** The sequential model: identities linked by a request belong to one contact (union-find). */
function referenceContacts(all: Event[]): Set<string> {
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    while (parent.get(x) !== x) x = parent.get(x) as string;
    return x;
  };
  for (const e of all) {
    for (const id of e.identities) if (!parent.has(id)) parent.set(id, id);
    for (const id of e.identities.slice(1)) parent.set(find(id), find(e.identities[0]));
  }
  const groups = new Map<string, string[]>();
  for (const id of parent.keys()) groups.set(find(id), [...(groups.get(find(id)) ?? []), id]);
  return new Set([...groups.values()].map((g) => g.sort().join(' ')));
}

async function waitForCount(store: Store, n: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [{ c }] = await store.query<{ c: string }>('select count(*)::text as c from raw_events');
    if (Number(c) >= n) return;
    if (Date.now() > deadline) throw new Error(`only ${c} of ${n} raw events processed`);
    await sleep(200);
  }
}

describe('identity resolution is order- and instance-independent (Kafka + PostgreSQL, fast-check)', () => {
  test('final contacts and leads equal the sequential model', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async ({ people, instances, order }) => {
        const all = events(people);
        const shuffled = all.map((e, i) => ({ e, r: order[i % order.length] + i * 1e-9 })).sort((a, b) => a.r - b.r).map((x) => x.e);
        const db = await createTestDatabase();
        const namespace = `idp${randomUUID().slice(0, 8)}`;
        const stores: Store[] = [];
        const buses: Bus[] = [];
        const normalizers: Normalizer[] = [];
        try {
          for (let k = 0; k < instances; k++) {
            const store = await openStore({ kind: 'postgres', url: db.url }, logger);
            const bus = namespacedBus(await createKafkaBus({ brokers: kafkaBrokers().split(','), partitions: 4, logger, clientId: `idp-${k}` }), namespace);
            const normalizer = new Normalizer({ bus, store, plugins: new Map([['draft', draftPlugin]]), metrics: new Metrics({ defaultMetrics: false }), logger, defaultRegion: 'RU', mergeWindowMinutes: 1440, mergeWindows: { call: 60 } });
            await normalizer.start();
            stores.push(store);
            buses.push(bus);
            normalizers.push(normalizer);
          }
          await Promise.all(
            shuffled.map((e, i) => {
              const raw: RawEventV1 = { v: 1, id: randomUUID(), connector: { id: 'c1', kind: 'draft' }, channel: e.channel, receivedAt: e.at, payload: { draft: e.draft }, meta: {} };
              return buses[i % buses.length].publish(Topics.raw, e.key, raw);
            }),
          );
          const store = stores[0];
          await waitForCount(store, all.length, 90_000);

          const identityRows = await store.query<{ ids: string }>(
            "select string_agg(kind || ':' || value, ' ' order by kind || ':' || value) as ids from identities group by contact_id",
          );
          expect(new Set(identityRows.map((r) => r.ids))).toEqual(referenceContacts(all));
          const [{ dangling }] = await store.query<{ dangling: string }>(
            "select count(*)::text as dangling from contacts c where c.merged_into is null and not exists (select 1 from identities i where i.contact_id = c.id)",
          );
          expect(dangling).toBe('0');

          const leadRows = await store.query<{ keys: string[] }>('select array_agg(event_key order by event_key) as keys from lead_activities group by lead_id');
          const personOf = new Map(all.map((e) => [e.key, e.person]));
          const grouped = leadRows.map((r) => r.keys);
          // Every request is in exactly one lead, and no lead mixes people.
          expect(grouped.flat().sort()).toEqual(all.map((e) => e.key).sort());
          for (const keys of grouped) expect(new Set(keys.map((k) => personOf.get(k))).size).toBe(1);
          // Leads follow their contact on a merge: all of a person's leads sit on one surviving contact,
          // and that contact holds at most one lead that still absorbs requests.
          const leadContacts = await store.query<{ event_key: string; contact_id: string; merged_into: string | null }>(
            'select a.event_key, l.contact_id, c.merged_into from lead_activities a join leads l on l.id = a.lead_id join contacts c on c.id = l.contact_id',
          );
          const contactsOf = new Map<number, Set<string>>();
          for (const row of leadContacts) {
            expect(row.merged_into).toBeNull();
            const p = personOf.get(row.event_key) as number;
            contactsOf.set(p, (contactsOf.get(p) ?? new Set()).add(row.contact_id));
          }
          for (const ids of contactsOf.values()) expect(ids.size).toBe(1);
          const [{ open }] = await store.query<{ open: string }>('select count(*)::text as open from (select contact_id from leads where mergeable group by contact_id having count(*) > 1) x');
          expect(open).toBe('0');
          // Every merge is recorded with both ids and the request that linked them; the older contact survived.
          const merges = await store.query<{ trigger_event_key: string; older: boolean; merged_into: string | null; survivor_id: string }>(
            `select m.trigger_event_key, s.created_at <= d.created_at as older, d.merged_into, m.survivor_id
             from contact_merges m join contacts s on s.id = m.survivor_id join contacts d on d.id = m.merged_id`,
          );
          const [{ mergedContacts }] = await store.query<{ mergedContacts: string }>('select count(*)::text as "mergedContacts" from contacts where merged_into is not null');
          expect(merges).toHaveLength(Number(mergedContacts));
          for (const m of merges) {
            expect(m).toMatchObject({ older: true, merged_into: m.survivor_id });
            expect(personOf.has(m.trigger_event_key)).toBe(true);
          }
          // Anchored people never need a merge: one lead holding all their requests, whatever the order.
          const actual = new Set(grouped.map((k) => k.join(' ')));
          people.forEach((p, i) => {
            if (p.anchored) expect(actual.has(all.filter((e) => e.person === i).map((e) => e.key).sort().join(' '))).toBe(true);
          });
        } finally {
          await Promise.all(normalizers.map((n) => n.stop()));
          await Promise.all(buses.map((b) => b.close()));
          await Promise.all(stores.map((s) => s.close()));
          await db.drop();
        }
      }),
      { numRuns: runs, endOnFailure: true },
    );
  }, 600_000);
});
