import pino from 'pino';
import type { DeadLetter, Delivery } from '../../contracts/delivery.js';
import type { LeadV1 } from '../../contracts/lead.js';
import { Topics } from '../../contracts/topics.js';
import type { BusRecord } from '../../platform/bus/bus.port.js';
import { guardBatchHandler } from '../../platform/bus/poison-guard.batch.js';
import { openStore } from '../../platform/store/open-store.js';
import type { Store } from '../../platform/store/store.port.js';
import { Metrics } from '../../platform/telemetry/metrics.js';
import { ContactDeliveries } from '../../router/contact-deliveries.js';
import { Deliverer } from '../../router/deliverer.js';
import { DeliveryLedger } from '../../router/delivery.ledger.js';
import type { Destination, DeliveryReceipt } from '../../router/destinations/destination.port.js';
import { OwnerAssigner } from '../../router/owner.assigner.js';
import { routeBatch } from '../../router/router.batch.js';
import { Router } from '../../router/router.service.js';
import type { RoutingRule } from '../../router/rules/routing.config.js';
import { RoutingEngine } from '../../router/rules/routing.engine.js';
import { LiveEventPublisher } from '../../router/sla/live-event.publisher.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { RecordingBus } from '../support/recording-bus.js';
import { leadRecord, persist } from '../support/routing-fixtures.js';

/**
 * The batch router (one transaction per batch for assignments and SLA timers, contacts delivered
 * concurrently) must decide exactly as the per-record path: the same Lead v1 records in the same order,
 * once record by record and once in batches, give the same owners, contact owners, SLA timers, rotation
 * counters, ledger rows, deliveries sent and live events.
 */
const logger = pino({ level: 'silent' });
const poisonContact = 'contact-poison';
const refuseSql = `
create or replace function test_refuse_poison() returns trigger language plpgsql as $$
begin
  if new.id = '${poisonContact}' and new.owner_id is not null then
    raise exception 'invalid input syntax for type json' using errcode = '22P02';
  end if;
  return new;
end $$;
create trigger test_refuse_poison before update on contacts for each row execute function test_refuse_poison();`;

const owners = [{ id: 'a' }, { id: 'b' }, { id: 'c' }, { id: 'd' }];
const rules: RoutingRule[] = [
  { id: 'calls', match: { channels: ['call'] }, pool: ['a', 'b'], strategy: 'round_robin', slaMinutes: 15 },
  { id: 'least', match: { connectors: ['tg'] }, pool: ['b', 'c', 'd'], strategy: 'least_open_leads' },
  { id: 'rr', match: {}, pool: ['a', 'b', 'c', 'd'], strategy: 'round_robin', slaMinutes: 60 },
];

/** A CRM that accepts everything and remembers what it got (the router's port, not an HTTP API). */
class AcceptingCrm implements Destination {
  readonly id = 'crm';
  readonly received: Delivery[] = [];
  async send(delivery: Delivery): Promise<DeliveryReceipt> {
    this.received.push(structuredClone(delivery));
    return { status: 201, externalId: `x-${delivery.idempotencyKey}` };
  }
}

/** Deterministic ids (both runs store the same rows): 30 contacts, leads and their activities, spam, a redelivery, an invalid value. */
function corpus(size: number): LeadV1[] {
  const t0 = Date.parse('2026-04-01T09:00:00Z');
  const out: LeadV1[] = [];
  const openLead = new Map<string, string>();
  for (let i = 0; i < size; i++) {
    const p = (i * 7 + (i % 5)) % 30;
    const contactId = `contact-${p}`;
    const at = new Date(t0 + i * 60_000).toISOString();
    const earlier = openLead.get(contactId);
    const activity = earlier !== undefined && i % 3 === 0;
    const leadId = activity ? earlier : `lead-${i}`;
    if (!activity) openLead.set(contactId, leadId);
    out.push(
      leadRecord({
        type: activity ? 'lead.activity' : 'lead.created',
        leadId,
        activityId: `act-${i}`,
        contactId,
        channel: i % 4 === 0 ? 'call' : 'form',
        connectorId: i % 6 === 1 ? 'tg' : 'site',
        spam: i % 23 === 7,
        occurredAt: at,
        normalizedAt: at,
        lineage: { rawEventIds: [`raw-${i}`] },
        ...(i % 40 === 13 ? { mergedContactIds: [`contact-gone-${i}`] } : {}),
      }),
    );
  }
  return out;
}

function records(leads: LeadV1[]): BusRecord[] {
  const out: BusRecord[] = [];
  leads.forEach((lead, i) => {
    out.push({ topic: Topics.normalized, key: lead.contact.id, value: lead, headers: {}, offset: String(out.length), partition: 0, timestamp: i });
    if (i % 50 === 20) out.push({ ...out[out.length - 1], offset: String(out.length) });
    if (i % 61 === 30) out.push({ topic: Topics.normalized, key: 'contact-x', value: { type: 'lead.created', not: 'a lead' }, headers: {}, offset: String(out.length), partition: 0, timestamp: i });
  });
  return out;
}

interface Outcome {
  leads: string[];
  contacts: string[];
  sla: string[];
  counters: string[];
  ledger: string[];
  sent: string[];
  published: string[];
}

async function outcome(store: Store, bus: RecordingBus, crm: AcceptingCrm): Promise<Outcome> {
  const q = async (sql: string): Promise<string[]> => (await store.query<{ r: string }>(sql)).map((x) => x.r).sort();
  const sequences = await q("select sequencename as r from pg_sequences where sequencename like 'routing_rr_%'");
  const counters: string[] = [];
  for (const s of sequences) counters.push(`${s} ${(await store.query<{ n: string }>(`select last_value::text as n from ${s}`))[0].n}`);
  return {
    leads: await q("select id || ' ' || coalesce(owner_id, '-') as r from leads"),
    contacts: await q("select id || ' ' || coalesce(owner_id, '-') as r from contacts"),
    sla: await q("select lead_id || ' ' || owner_id || ' ' || rule_id || ' ' || status || ' ' || coalesce(due_at::text, '-') as r from lead_sla"),
    counters,
    ledger: await q("select destination || ' ' || idempotency_key || ' ' || status || ' ' || attempts || ' ' || coalesce(external_id, '-') as r from deliveries"),
    sent: crm.received.map((d) => `${d.kind} ${d.idempotencyKey} ${d.ownerId}`).sort(),
    published: bus.records
      .map((r) => (r.topic === Topics.dlq ? `dlq ${(r.value as DeadLetter).key} ${(r.value as DeadLetter).code}` : `${r.topic} ${r.headers.type ?? ''} ${(r.value as { leadId?: string; ownerId?: string }).leadId} ${(r.value as { ownerId?: string }).ownerId}`))
      .sort(),
  };
}

describe.each(['embedded', 'postgres'] as const)('batch router decides as the per-record path on %s', (backend) => {
  const dbs: TestDatabase[] = [];
  const stores: Store[] = [];

  async function fresh(leads: LeadV1[]): Promise<{ store: Store; bus: RecordingBus; crm: AcceptingCrm; router: Router; events: LiveEventPublisher }> {
    let store: Store;
    if (backend === 'postgres') {
      const db = await createTestDatabase();
      dbs.push(db);
      store = await openStore({ kind: 'postgres', url: db.url }, logger);
    } else {
      store = await openStore({ kind: 'embedded' }, logger);
    }
    stores.push(store);
    for (const lead of leads) if (lead.type === 'lead.created') await persist(store, lead);
    const bus = new RecordingBus();
    const crm = new AcceptingCrm();
    const metrics = new Metrics({ defaultMetrics: false });
    const deliverer = new Deliverer({ bus, ledger: new DeliveryLedger(store), destination: crm, metrics, logger, policy: { attempts: 1, initialMs: 1, maxMs: 1 } });
    const events = new LiveEventPublisher(bus, logger);
    const clock = (): Date => new Date('2026-04-01T12:00:00Z');
    const router = new Router({ bus, assigner: new OwnerAssigner(store, new RoutingEngine({ owners, rules }, clock), clock), deliverer, metrics, logger, destinationId: crm.id, events, contacts: new ContactDeliveries(store) });
    return { store, bus, crm, router, events };
  }

  afterAll(async () => {
    await Promise.all(stores.map((s) => s.close()));
    await Promise.all(dbs.map((d) => d.drop()));
  });

  test('the same records give the same owners, SLA timers, counters, ledger, deliveries and live events', async () => {
    const leads = corpus(200);
    const input = records(leads);
    const perRecord = await fresh(leads);
    for (const r of input) await perRecord.router.handleLead(r).catch(() => undefined);
    await perRecord.events.flush();
    const batched = await fresh(leads);
    for (let from = 0; from < input.length; from += 37) await routeBatch(batched.router, input.slice(from, from + 37));
    await batched.events.flush();

    const expected = await outcome(perRecord.store, perRecord.bus, perRecord.crm);
    const actual = await outcome(batched.store, batched.bus, batched.crm);
    // The corpus exercises what it should: several owners and rules, activities, merges, spam, a dead letter.
    expect(new Set(expected.leads.map((l) => l.split(' ')[1]).filter((o) => o !== '-')).size).toBe(4);
    expect(expected.sla.some((s) => s.includes(' calls ')) && expected.sla.some((s) => s.includes(' none '))).toBe(true);
    expect(expected.sent.some((s) => s.startsWith('lead.activity')) && expected.sent.some((s) => s.startsWith('contact.merged'))).toBe(true);
    expect(expected.published.some((p) => p.startsWith('dlq'))).toBe(true);
    expect(expected.counters.length).toBeGreaterThan(0);
    expect(actual).toEqual(expected);

    // Redelivering the records in batches changes nothing and sends nothing again.
    const sentBefore = batched.crm.received.length;
    const before = await outcome(batched.store, batched.bus, batched.crm);
    await routeBatch(batched.router, input.slice(0, 100));
    expect(batched.crm.received.length).toBe(sentBefore);
    expect({ ...(await outcome(batched.store, batched.bus, batched.crm)), published: [] }).toEqual({ ...before, published: [] });
  }, 300_000);

  test('a lead the store refuses is dead-lettered alone through the batch poison guard; the rest of its batch is routed', async () => {
    const leads = [leadRecord({ contactId: 'contact-r1' }), leadRecord({ contactId: poisonContact }), leadRecord({ contactId: 'contact-r2' }), leadRecord({ contactId: 'contact-r3' })];
    const { store, bus, crm, router } = await fresh(leads);
    await store.query(refuseSql);
    const guarded = guardBatchHandler((batch) => routeBatch(router, batch), { bus, logger, stage: 'router', group: 'leadgate-router', signal: new AbortController().signal, policy: { attempts: 2, initialMs: 1, maxMs: 5 } });
    await guarded(records(leads).slice(0, 4));

    const letters = bus.records.filter((r) => r.topic === Topics.dlq).map((r) => r.value as DeadLetter);
    expect(letters).toEqual([expect.objectContaining({ key: poisonContact, stage: 'router' })]);
    expect(crm.received.map((d) => d.lead.contact.id).sort()).toEqual(['contact-r1', 'contact-r2', 'contact-r3']);
    const owned = await store.query<{ id: string }>('select contact_id as id from leads where owner_id is not null order by contact_id');
    expect(owned.map((r) => r.id)).toEqual(['contact-r1', 'contact-r2', 'contact-r3']);
  }, 120_000);
});
