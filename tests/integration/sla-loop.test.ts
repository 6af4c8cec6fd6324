import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LiveEvent } from '../../contracts/live-event.js';
import { Topics } from '../../contracts/topics.js';
import { openStore } from '../../platform/store/open-store.js';
import type { Store } from '../../platform/store/store.port.js';
import { Metrics } from '../../platform/telemetry/metrics.js';
import { OwnerAssigner } from '../../router/owner.assigner.js';
import type { OwnerConfig, RoutingRule, SlaConfig } from '../../router/rules/routing.config.js';
import { RoutingEngine } from '../../router/rules/routing.engine.js';
import { LiveEventPublisher } from '../../router/sla/live-event.publisher.js';
import { SlaLoop } from '../../router/sla/sla.loop.js';
import { recordFirstResponse } from '../../router/sla/sla.timers.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { RecordingBus } from '../support/recording-bus.js';
import { eventually, leadRecord, persist, silentLogger } from '../support/routing-fixtures.js';

const owners: OwnerConfig[] = [{ id: 'a' }, { id: 'b' }, { id: 'c' }];
const minutesAgo = (m: number): string => new Date(Date.now() - m * 60_000).toISOString();
const slaConfig = (extra: Partial<SlaConfig> = {}): SlaConfig => ({ pollIntervalMs: 100, escalation: ['notify'], maxEscalations: 1, webhookTimeoutMs: 2000, ...extra });

interface Instance {
  store: Store;
  bus: RecordingBus;
  metrics: Metrics;
  loop: SlaLoop;
  events(): LiveEvent[];
}

describe('SLA timers on PostgreSQL', () => {
  let db: TestDatabase;
  const opened: Store[] = [];
  const loops: SlaLoop[] = [];

  const open = async (): Promise<Store> => {
    const store = await openStore({ kind: 'postgres', url: db.url }, silentLogger);
    opened.push(store);
    return store;
  };

  const instance = async (engine: RoutingEngine, config: SlaConfig, clock?: () => Date, batchSize?: number): Promise<Instance> => {
    const store = await open();
    const bus = new RecordingBus();
    const metrics = new Metrics({ defaultMetrics: false });
    const loop = new SlaLoop({ store, engine, events: new LiveEventPublisher(bus, silentLogger), metrics, logger: silentLogger, config, ...(clock ? { clock } : {}), ...(batchSize ? { batchSize } : {}) });
    loops.push(loop);
    return { store, bus, metrics, loop, events: () => bus.records.filter((r) => r.topic === Topics.events).map((r) => r.value as LiveEvent) };
  };

  /** Persists and routes `n` leads created `ageMinutes` ago; returns their ids. */
  const routed = async (store: Store, engine: RoutingEngine, n: number, ageMinutes: number): Promise<string[]> => {
    const assigner = new OwnerAssigner(store, engine);
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const lead = await persist(store, leadRecord({ normalizedAt: minutesAgo(ageMinutes) }));
      await assigner.assign(lead);
      ids.push(lead.leadId);
    }
    return ids;
  };

  const slaRow = async (store: Store, leadId: string) => {
    const [row] = await store.query<{ status: string; owner_id: string; escalation_level: number; due_at: Date | null; breached_at: Date | null }>(
      'select status, owner_id, escalation_level, due_at, breached_at from lead_sla where lead_id = $1',
      [leadId],
    );
    return row;
  };

  beforeEach(async () => {
    db = await createTestDatabase();
  });

  afterEach(async () => {
    await Promise.all(loops.splice(0).map((l) => l.stop()));
    await Promise.all(opened.splice(0).map((s) => s.close()));
    await db.drop();
  });

  test('a timer survives a restart: a new loop on a new connection fires it; one not yet due waits', async () => {
    const engine = new RoutingEngine({ owners, rules: [{ id: 'sla15', match: {}, pool: ['a', 'b'], strategy: 'round_robin', slaMinutes: 15 }] });
    const before = await open();
    const [overdue] = await routed(before, engine, 1, 20);
    const [fresh] = await routed(before, engine, 1, 0);
    await before.close();
    opened.splice(opened.indexOf(before), 1);

    const after = await instance(engine, slaConfig());
    after.loop.start();
    const fired = await eventually(async () => ((await slaRow(after.store, overdue)).status === 'breached' ? true : undefined), 'the overdue timer to fire');
    expect(fired).toBe(true);
    expect(await slaRow(after.store, fresh)).toMatchObject({ status: 'pending', escalation_level: 0 });
    await eventually(async () => (after.events().length > 0 ? true : undefined), 'the breach notice');
    expect(after.events()).toEqual([expect.objectContaining({ type: 'sla.breached', leadId: overdue, ownerId: 'a', data: expect.objectContaining({ ruleId: 'sla15', level: 1, final: true }) })]);
    expect((await after.metrics.slaBreaches.get()).values).toEqual([expect.objectContaining({ value: 1, labels: { rule: 'sla15' } })]);
  });

  test('two loops racing over the same due timers fire each exactly once (for update skip locked)', async () => {
    const engine = new RoutingEngine({ owners, rules: [{ id: 'sla1', match: {}, pool: ['a', 'b', 'c'], strategy: 'round_robin', slaMinutes: 1 }] });
    const setup = await open();
    const ids = await routed(setup, engine, 60, 5);
    const one = await instance(engine, slaConfig(), undefined, 4);
    const two = await instance(engine, slaConfig(), undefined, 4);
    const [x, y] = await Promise.all([one.loop.runOnce(), two.loop.runOnce()]);
    const fired = [...x, ...y].map((b) => b.leadId);
    expect(fired.sort()).toEqual([...ids].sort());
    const notices = [...one.events(), ...two.events()].filter((e) => e.type === 'sla.breached').map((e) => e.leadId);
    expect(notices.sort()).toEqual([...ids].sort());
    // Nothing left to fire.
    expect([...(await one.loop.runOnce()), ...(await two.loop.runOnce())]).toEqual([]);
  });

  test('reassign escalation: the next eligible owner of the pool takes the lead, the timer re-arms until maxEscalations', async () => {
    const rules: RoutingRule[] = [{ id: 'esc', match: {}, pool: ['a', 'b', 'c'], strategy: 'round_robin', slaMinutes: 10, escalation: ['reassign', 'notify'] }];
    const engine = new RoutingEngine({ owners, rules });
    let now = new Date();
    const inst = await instance(engine, slaConfig({ maxEscalations: 2, supervisorId: 'boss' }), () => now);
    const [leadId] = await routed(inst.store, engine, 1, 11);
    const [{ contact_id: contactId }] = await inst.store.query<{ contact_id: string }>('select contact_id from leads where id = $1', [leadId]);

    const [first] = await inst.loop.runOnce();
    expect(first).toMatchObject({ leadId, ownerId: 'a', reassignedTo: 'b', level: 1, final: false });
    expect(await slaRow(inst.store, leadId)).toMatchObject({ status: 'pending', owner_id: 'b', escalation_level: 1 });
    expect((await slaRow(inst.store, leadId)).due_at?.getTime()).toBe(now.getTime() + 10 * 60_000);
    const owner = async (): Promise<[string, string]> => {
      const [lead] = await inst.store.query<{ owner_id: string }>('select owner_id from leads where id = $1', [leadId]);
      const [contact] = await inst.store.query<{ owner_id: string }>('select owner_id from contacts where id = $1', [contactId]);
      return [lead.owner_id, contact.owner_id];
    };
    expect(await owner()).toEqual(['b', 'b']);
    expect(inst.events().map((e) => [e.type, e.ownerId])).toEqual([['sla.breached', 'a'], ['lead.assigned', 'b']]);
    expect(inst.bus.records[0].key).toBe('boss');
    expect(inst.events()[0].data).toMatchObject({ supervisorId: 'boss', reassignedTo: 'b' });

    // Not due again yet.
    expect(await inst.loop.runOnce()).toEqual([]);
    now = new Date(now.getTime() + 11 * 60_000);
    const [second] = await inst.loop.runOnce();
    expect(second).toMatchObject({ ownerId: 'b', level: 2, final: true });
    expect(['a', 'c']).toContain(second.reassignedTo);
    expect(await slaRow(inst.store, leadId)).toMatchObject({ status: 'breached', escalation_level: 2, owner_id: second.reassignedTo });
    expect(await owner()).toEqual([second.reassignedTo, second.reassignedTo]);
    now = new Date(now.getTime() + 60 * 60_000);
    expect(await inst.loop.runOnce()).toEqual([]);
    expect((await inst.metrics.slaBreaches.get()).values[0]).toMatchObject({ value: 2 });
  });

  test('reassign with nobody else eligible keeps the owner and still reports the breach', async () => {
    const engine = new RoutingEngine({ owners: [{ id: 'a' }, { id: 'b', available: false }], rules: [{ id: 'solo', match: {}, pool: ['a', 'b'], strategy: 'round_robin', slaMinutes: 5, escalation: ['reassign', 'notify'] }] });
    const inst = await instance(engine, slaConfig());
    const [leadId] = await routed(inst.store, engine, 1, 6);
    const [breach] = await inst.loop.runOnce();
    expect(breach).toMatchObject({ leadId, ownerId: 'a', final: true });
    expect(breach.reassignedTo).toBeUndefined();
    expect(await slaRow(inst.store, leadId)).toMatchObject({ status: 'breached', owner_id: 'a' });
  });

  test('a first response before the deadline stops the timer', async () => {
    const engine = new RoutingEngine({ owners, rules: [{ id: 'sla5', match: {}, pool: ['a'], strategy: 'fixed', slaMinutes: 5 }] });
    const inst = await instance(engine, slaConfig());
    const [leadId] = await routed(inst.store, engine, 1, 6);
    const response = await recordFirstResponse(inst.store, leadId, new Date(Date.now() - 3 * 60_000));
    expect(response).toMatchObject({ ownerId: 'a', alreadyRecorded: false, breached: false });
    expect(response?.seconds).toBeGreaterThan(170);
    expect(response?.seconds).toBeLessThan(190);
    expect(await inst.loop.runOnce()).toEqual([]);
    expect(await slaRow(inst.store, leadId)).toMatchObject({ status: 'responded' });
  });

  describe('webhook escalation', () => {
    let server: Server;
    const received: { body: Record<string, unknown>; headers: IncomingHttpHeaders }[] = [];
    let answers: number[] = [];

    beforeEach(async () => {
      received.length = 0;
      answers = [];
      server = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          received.push({ body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>, headers: req.headers });
          res.writeHead(answers.shift() ?? 204).end();
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    });

    afterEach(async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });

    test('POSTs the breach to the configured URL with a stable idempotency key, retrying a 5xx; no live notice unless configured', async () => {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/sla`;
      const engine = new RoutingEngine({ owners, rules: [{ id: 'hook', match: {}, pool: ['c'], strategy: 'fixed', slaMinutes: 2, escalation: ['webhook'] }] });
      const inst = await instance(engine, slaConfig({ webhookUrl: url }));
      const [leadId] = await routed(inst.store, engine, 1, 3);
      answers = [503];
      await inst.loop.runOnce();
      expect(received).toHaveLength(2);
      expect(received[1].body).toMatchObject({ event: 'sla.breached', leadId, ownerId: 'c', ruleId: 'hook', level: 1, final: true });
      expect(received[1].headers['idempotency-key']).toBe(`sla:${leadId}:1`);
      expect(received[0].headers['idempotency-key']).toBe(received[1].headers['idempotency-key']);
      expect(inst.events()).toEqual([]);
    });
  });
});
