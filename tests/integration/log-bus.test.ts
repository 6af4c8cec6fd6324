import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BusRecord, Subscription } from '../../platform/bus/bus.port.js';
import { createLogBus, type LogBus, type LogBusOptions } from '../../platform/bus/log-bus.js';
import { openStore } from '../../platform/store/open-store.js';
import type { Store } from '../../platform/store/store.port.js';
import { createLogger } from '../../platform/telemetry/logger.js';
import { describeBusContract, waitUntil } from '../support/bus-contract.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';

const logger = createLogger(process.env.LEADGATE_TEST_LOG_LEVEL ?? 'warn');
const fast: Omit<LogBusOptions, 'logger'> = { pollIntervalMs: 50, handlerRetryInitialMs: 20 };

interface Backend {
  store: Store;
  /** A second store on the same database, as another process would have (PostgreSQL only). */
  openAnother(): Promise<Store>;
  cleanup(): Promise<void>;
}

async function pgliteBackend(): Promise<Backend> {
  const dir = mkdtempSync(join(tmpdir(), 'leadgate-logbus-'));
  const store = await openStore({ kind: 'embedded', dataDir: join(dir, 'db') }, logger);
  return {
    store,
    openAnother: () => Promise.reject(new Error('PGlite is single-process')),
    cleanup: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function postgresBackend(): Promise<Backend> {
  const db: TestDatabase = await createTestDatabase();
  const store = await openStore({ kind: 'postgres', url: db.url }, logger);
  return {
    store,
    openAnother: () => openStore({ kind: 'postgres', url: db.url }, logger),
    cleanup: async () => {
      await store.close();
      await db.drop();
    },
  };
}

const backends: [string, () => Promise<Backend>][] = [
  ['pglite', pgliteBackend],
  ['postgres', postgresBackend],
];

for (const [name, makeBackend] of backends) {
  // The contract's factory is called more than once (the close test makes its own bus) and expects
  // every bus to see the same log, so the buses share one store, closed after the suite.
  let shared: Promise<Backend> | undefined;
  describeBusContract(`embedded log on ${name}`, async () => {
    shared ??= makeBackend();
    const backend = await shared;
    const bus = createLogBus(backend.store, { logger, ...fast });
    return { bus, cleanup: () => bus.close() };
  });
  afterAll(async () => {
    await (await shared)?.cleanup();
  });

  describe(`Log bus specifics on ${name}`, () => {
    let backend: Backend;
    let bus: LogBus;
    const subscriptions: Subscription[] = [];
    const topic = (t: string): string => `log-bus-${name}-${t}-${Date.now().toString(36)}`;

    beforeAll(async () => {
      backend = await makeBackend();
      bus = createLogBus(backend.store, { logger, ...fast });
    });
    afterEach(async () => {
      await Promise.all(subscriptions.splice(0).map((s) => s.stop()));
    });
    afterAll(async () => {
      await bus?.close();
      await backend?.cleanup();
    });

    test('group commit: concurrent publishes share flush transactions', async () => {
      const t = topic('group-commit');
      const before = bus.stats();
      await Promise.all(Array.from({ length: 500 }, (_, i) => bus.publish(t, `k${i % 10}`, { i })));
      const after = bus.stats();
      expect(after.records - before.records).toBe(500);
      // Publishes issued in one tick land in one flush; allow a little slack for scheduling.
      expect(after.flushes - before.flushes).toBeLessThanOrEqual(3);
      const [row] = await backend.store.query<{ n: string }>('select count(*) as n from bus_log where topic = $1', [t]);
      expect(row?.n).toBe('500');
    });

    test('fromBeginning false starts a new group at the current end', async () => {
      const t = topic('from-end');
      await bus.publish(t, 'k', { n: 'old' });
      const seen: unknown[] = [];
      subscriptions.push(await bus.subscribe(t, 'g-end', async (r) => void seen.push(r.value), { fromBeginning: false }));
      await bus.publish(t, 'k', { n: 'new' });
      await waitUntil(() => seen.length >= 1, 'the new record');
      await new Promise((r) => setTimeout(r, 150));
      expect(seen).toEqual([{ n: 'new' }]);
    });

    test('a second subscriber of a group waits and takes over after the first stops', async () => {
      const t = topic('lease');
      const firstSeen: number[] = [];
      const secondSeen: number[] = [];
      const first = await bus.subscribe(t, 'g-lease', async (r) => void firstSeen.push((r.value as { i: number }).i));
      subscriptions.push(await bus.subscribe(t, 'g-lease', async (r) => void secondSeen.push((r.value as { i: number }).i)));
      await Promise.all([0, 1, 2].map((i) => bus.publish(t, 'k', { i })));
      await waitUntil(() => firstSeen.length >= 3, 'the first subscriber');
      expect(secondSeen).toEqual([]);
      await first.stop();
      await bus.publish(t, 'k', { i: 3 });
      await waitUntil(() => secondSeen.length >= 1, 'the second subscriber to take over', 10_000);
      expect(secondSeen).toEqual([3]);
    });

    test('a value jsonb refuses fails alone, its batch-mates are stored', async () => {
      const t = topic('bad-value');
      const results = await Promise.allSettled([bus.publish(t, 'k', { ok: 1 }), bus.publish(t, 'k', { bad: 'nul\u0000' }), bus.publish(t, 'k', { ok: 2 })]);
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      expect((results[1] as PromiseRejectedResult).reason).toMatchObject({ code: 'VALIDATION_FAILED' });
      const rows = await backend.store.query('select 1 from bus_log where topic = $1', [t]);
      expect(rows).toHaveLength(2);
    });

    test('retention deletes old records every group has passed, and only those', async () => {
      const t = topic('retention');
      const purging = createLogBus(backend.store, { logger, ...fast, retentionMs: 0 });
      try {
        await Promise.all([0, 1, 2, 3].map((i) => bus.publish(t, 'k', { i })));
        const seen: BusRecord[] = [];
        const sub = await bus.subscribe(t, 'g-ret', async (r) => void seen.push(r));
        await waitUntil(() => seen.length >= 4, 'the records');
        await sub.stop();
        await bus.publish(t, 'k', { i: 4 });
        await purging.purge();
        const left = await backend.store.query<{ value: { i: number } }>('select value from bus_log where topic = $1 order by seq', [t]);
        expect(left.map((r) => r.value.i)).toEqual([4]);
      } finally {
        await purging.close();
      }
    });

    if (name === 'postgres') {
      test('records written by another process are seen through the poll', async () => {
        const t = topic('other-process');
        const otherStore = await backend.openAnother();
        const other = createLogBus(otherStore, { logger, ...fast });
        try {
          const seen: unknown[] = [];
          subscriptions.push(await bus.subscribe(t, 'g-other', async (r) => void seen.push(r.value)));
          await other.publish(t, 'k', { from: 'elsewhere' });
          await waitUntil(() => seen.length >= 1, 'the record from the other process', 5_000);
          expect(seen).toEqual([{ from: 'elsewhere' }]);
        } finally {
          await other.close();
          await otherStore.close();
        }
      });
    }
  });
}
