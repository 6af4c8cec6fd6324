import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Delivery } from '../../contracts/delivery.js';
import { openStore } from '../../platform/store/open-store.js';
import type { Store } from '../../platform/store/store.port.js';
import { createLogger } from '../../platform/telemetry/logger.js';
import { Metrics } from '../../platform/telemetry/metrics.js';
import { createDestination } from '../../router/destinations/destination.factory.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';

const logger = createLogger(process.env.LEADGATE_TEST_LOG_LEVEL ?? 'warn');
const perSecond = 4;
const burst = 2;
const perInstance = 8;

/** The CRM stand-in: answers every POST 200 and records when it arrived and which delivery it carried. */
async function startCrm(): Promise<{ url: string; arrivals: number[]; keys: string[]; close(): Promise<void> }> {
  const arrivals: number[] = [];
  const keys: string[] = [];
  const server: Server = createServer((req, res) => {
    arrivals.push(performance.now());
    keys.push(String(req.headers['idempotency-key']));
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/leads`;
  return { url, arrivals, keys, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** The most requests that arrived within any 1-second window, sliding the window's start over the arrivals. */
function busiestSecond(arrivals: number[]): number {
  const sorted = [...arrivals].sort((a, b) => a - b);
  let most = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (j < sorted.length && sorted[j]! - sorted[i]! < 1000) j++;
    most = Math.max(most, j - i);
  }
  return most;
}

interface Target {
  /** The store each of the two router instances uses: its own connection pool on PostgreSQL, as two processes would. */
  open(): Promise<[Store, Store]>;
  cleanup(): Promise<void>;
}

async function postgresTarget(): Promise<Target> {
  const db: TestDatabase = await createTestDatabase();
  return {
    open: async () => {
      const first = await openStore({ kind: 'postgres', url: db.url }, logger);
      return [first, await openStore({ kind: 'postgres', url: db.url }, logger)];
    },
    cleanup: () => db.drop(),
  };
}

async function pgliteTarget(): Promise<Target> {
  const dir = mkdtempSync(join(tmpdir(), 'leadgate-rate-'));
  return {
    // PGlite is one process's database: both instances share the one store.
    open: async () => {
      const store = await openStore({ kind: 'embedded', dataDir: join(dir, 'db') }, logger);
      return [store, store];
    },
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

describe.each([
  ['postgres', postgresTarget],
  ['pglite', pgliteTarget],
])('shared rate limit on %s', (_kind, makeTarget) => {
  let target: Target;
  let stores: [Store, Store];
  let crm: Awaited<ReturnType<typeof startCrm>>;

  beforeAll(async () => {
    target = await makeTarget();
    stores = await target.open();
    crm = await startCrm();
  });

  afterAll(async () => {
    await crm?.close();
    for (const store of new Set(stores ?? [])) await store.close();
    await target?.cleanup();
  });

  test('two router instances over one store together stay within perSecond + burst in every second, and deliver everything', async () => {
    const config = {
      id: 'crm',
      kind: 'webhook' as const,
      url: crm.url,
      timeoutMs: 10_000,
      ownerMap: {},
      rateLimit: { perSecond, burst },
      circuitBreaker: { consecutiveFailures: 5, halfOpenAfterMs: 1000 },
    };
    const instances = await Promise.all(
      stores.map((store) => createDestination(config, { store, metrics: new Metrics({ defaultMetrics: false }), logger, sharedRateLimit: true })),
    );
    const sent = instances.flatMap((destination, instance) =>
      Array.from({ length: perInstance }, (_, i) => {
        const key = `lead:${instance}-${i}`;
        const delivery = { kind: 'lead.create', idempotencyKey: key, ownerId: 'anna', lead: { v: 1, leadId: `${instance}-${i}` } } as unknown as Delivery;
        return destination.send(delivery).then(() => key);
      }),
    );
    const delivered = await Promise.all(sent);

    expect(crm.keys.sort()).toEqual(delivered.sort());
    expect(crm.keys).toHaveLength(2 * perInstance);
    expect(busiestSecond(crm.arrivals)).toBeLessThanOrEqual(perSecond + burst);
  });
});
