import type { LeadV1 } from '../../contracts/lead.js';
import type { Store } from '../../platform/store/store.port.js';
import { OwnerAssigner, type Assignment } from '../../router/owner.assigner.js';
import type { OwnerConfig, RoutingRule } from '../../router/rules/routing.config.js';
import { RoutingEngine } from '../../router/rules/routing.engine.js';
import { counterSequence, setOwnerAvailability } from '../../router/rules/routing.state.js';
import { leadRecord, persist, routingDatabase, tally } from '../support/routing-fixtures.js';

/**
 * Runs `fn` over `items` in concurrent waves no larger than a connection pool, so a loaded machine makes
 * the test slower, not a pool-wait timeout (the router itself gets those retried by the bus).
 */
async function inWaves<T, R>(items: readonly T[], size: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += size) out.push(...(await Promise.all(items.slice(i, i + size).map((item, k) => fn(item, i + k)))));
  return out;
}

/** Two assigners on two connection pools: what two router instances look like to PostgreSQL. */
describe('OwnerAssigner on PostgreSQL with two instances', () => {
  let env: Awaited<ReturnType<typeof routingDatabase>>;
  let stores: Store[];

  beforeEach(async () => {
    env = await routingDatabase(2);
    stores = env.stores;
  });

  afterEach(async () => {
    await env.close();
  });

  const assigners = (owners: OwnerConfig[], rules: RoutingRule[], fallbackOwner?: string): OwnerAssigner[] => {
    const engine = new RoutingEngine({ owners, rules, ...(fallbackOwner ? { fallbackOwner } : {}) });
    return stores.map((s) => new OwnerAssigner(s, engine));
  };

  const leads = async (n: number, extra: Partial<LeadV1> = {}): Promise<LeadV1[]> => {
    const out: LeadV1[] = [];
    for (let i = 0; i < n; i++) out.push(await persist(stores[0], leadRecord(extra)));
    return out;
  };

  const owners4 = [{ id: 'a' }, { id: 'b' }, { id: 'c' }, { id: 'd' }];

  test('the same leads handed to both instances at once: one owner per lead, one fresh assignment, exact round-robin', async () => {
    const [one, two] = assigners(owners4, [{ id: 'rr', match: {}, pool: ['a', 'b', 'c', 'd'], strategy: 'round_robin' }]);
    const batch = await leads(200);
    const results = await inWaves(batch, 8, (lead) => Promise.all([one.assign(lead), two.assign(lead)]));
    const perLead = new Map<string, Assignment[]>();
    batch.forEach((lead, i) => perLead.set(lead.leadId, results[i]));
    for (const [, [x, y]] of perLead) {
      expect(x.ownerId).toBe(y.ownerId);
      expect(Number(x.fresh) + Number(y.fresh)).toBe(1);
    }
    const rows = await stores[0].query<{ owner_id: string; n: string }>('select owner_id, count(*)::text as n from leads group by owner_id order by owner_id');
    expect(rows.map((r) => [r.owner_id, Number(r.n)])).toEqual([['a', 50], ['b', 50], ['c', 50], ['d', 50]]);
    const [counter] = await stores[0].query<{ n: string }>(`select last_value::text as n from ${counterSequence('rule:rr')}`);
    expect(Number(counter.n)).toBe(200);
    // The contact follows its first owner; the SLA row exists for every lead, once.
    const [{ unowned }] = await stores[0].query<{ unowned: string }>('select count(*)::text as unowned from contacts where owner_id is null');
    expect(unowned).toBe('0');
    const [{ timers }] = await stores[0].query<{ timers: string }>('select count(*)::text as timers from lead_sla');
    expect(timers).toBe('200');
  });

  test('capacity is never exceeded when both instances assign at once; the overflow goes to the fallback', async () => {
    const [one, two] = assigners([{ id: 'a', capacity: 3 }, { id: 'b', capacity: 5 }], [{ id: 'cap', match: {}, pool: ['a', 'b'], strategy: 'fixed' }], 'queue');
    const batch = await leads(30);
    const results = await inWaves(batch, 16, (lead, i) => (i % 2 === 0 ? one : two).assign(lead));
    expect(tally(results.map((r) => r.ownerId))).toEqual({ a: 3, b: 5, queue: 22 });
    expect(results.filter((r) => r.decision?.reason === 'fallback')).toHaveLength(22);
  });

  test('least_open_leads stays level under concurrency (counts read under the pool lock)', async () => {
    const [one, two] = assigners(owners4, [{ id: 'least', match: {}, pool: ['a', 'b', 'c', 'd'], strategy: 'least_open_leads' }]);
    // A head start for `a`, closed leads do not count.
    const closed = await leads(3);
    await stores[0].query("update leads set owner_id = 'a', status = 'closed' where id = any($1)", [closed.map((l) => l.leadId)]);
    const early = await leads(4);
    await stores[0].query("update leads set owner_id = 'a' where id = any($1)", [early.map((l) => l.leadId)]);
    const batch = await leads(36);
    await inWaves(batch, 16, (lead, i) => (i % 2 === 0 ? one : two).assign(lead));
    const rows = await stores[0].query<{ owner_id: string; n: string }>("select owner_id, count(*)::text as n from leads where status = 'open' group by owner_id order by owner_id");
    expect(rows.map((r) => [r.owner_id, Number(r.n)])).toEqual([['a', 10], ['b', 10], ['c', 10], ['d', 10]]);
  });

  test('sticky keeps the contact owner across leads; the admin switch in the store sends new contacts elsewhere', async () => {
    const [one, two] = assigners([{ id: 'a' }, { id: 'b' }], [{ id: 'sticky', match: {}, pool: ['a', 'b'], strategy: 'sticky' }]);
    const [first] = await leads(1, { contact: { id: 'contact-k', isNew: true, phones: [], emails: [], ids: [] } });
    const owner = (await one.assign(first)).ownerId;
    const [second] = await leads(1, { contact: { id: 'contact-k', isNew: false, phones: [], emails: [], ids: [] } });
    expect(await two.assign(second)).toMatchObject({ ownerId: owner, decision: { reason: 'sticky' } });

    await setOwnerAvailability(stores[0], owner, false);
    const [third] = await leads(1, { contact: { id: 'contact-k', isNew: false, phones: [], emails: [], ids: [] } });
    const moved = await one.assign(third);
    expect(moved.ownerId).not.toBe(owner);
    // The contact keeps its owner: the switch is about new work, not about who the customer belongs to.
    expect(moved.contactOwnerId).toBe(owner);
  });

  test('a rule with an SLA creates a pending timer due slaMinutes after the lead; a redelivery changes nothing', async () => {
    const [one] = assigners([{ id: 'a' }], [{ id: 'fast', match: {}, pool: ['a'], strategy: 'fixed', slaMinutes: 15 }]);
    const at = '2026-01-01T10:00:00.000Z';
    const [lead] = await leads(1, { normalizedAt: at });
    expect((await one.assign(lead)).fresh).toBe(true);
    expect((await one.assign(lead)).fresh).toBe(false);
    const rows = await stores[0].query<{ status: string; due_at: Date; rule_id: string }>('select status, due_at, rule_id from lead_sla where lead_id = $1', [lead.leadId]);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: 'pending', rule_id: 'fast' });
    expect(rows[0].due_at.toISOString()).toBe('2026-01-01T10:15:00.000Z');
  });
});
