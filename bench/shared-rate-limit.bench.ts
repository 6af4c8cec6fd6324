/**
 * The store-backed (group-wide) token bucket: what one reservation costs, and that two instances together
 * keep the limit. On PGlite, and on PostgreSQL (LEADGATE_TEST_DATABASE_URL, default the local server).
 *   node --import tsx bench/shared-rate-limit.bench.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { openStore } from '../platform/store/open-store.js';
import type { Store } from '../platform/store/store.port.js';
import { sleep } from '../platform/retry.js';
import { StoreTokenBucket } from '../router/resilience/store-token-bucket.js';
import { createTestDatabase } from '../tests/support/postgres.js';

const logger = pino({ level: 'silent' });

/** Reservations per second with `concurrency` in flight, the limit set far above what the store can do. */
async function reservationsPerSecond(store: Store, n: number, concurrency: number): Promise<number> {
  const bucket = new StoreTokenBucket(store, 'bench-unbounded', 1e9, 1e9);
  let next = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next++ < n) await bucket.reserve();
  }));
  return n / ((performance.now() - started) / 1000);
}

/** Two buckets (two instances) on one row, 16 senders each, sleeping their reservation: the group's rate. */
async function groupRate(stores: [Store, Store], perSecond: number, burst: number, n: number): Promise<number> {
  const buckets = stores.map((s) => new StoreTokenBucket(s, 'bench-group', perSecond, burst));
  let next = 0;
  const started = performance.now();
  await Promise.all(buckets.flatMap((bucket) => Array.from({ length: 16 }, async () => {
    while (next++ < n) await sleep(await bucket.reserve());
  })));
  return n / ((performance.now() - started) / 1000);
}

const rows: [string, string][] = [];
const dir = mkdtempSync(join(tmpdir(), 'leadgate-rate-bench-'));
const lite = await openStore({ kind: 'embedded', dataDir: join(dir, 'db') }, logger);
rows.push(['PGlite: reservations/s, 16 in flight (2000)', `${Math.round(await reservationsPerSecond(lite, 2_000, 16))}`]);
rows.push(['PGlite: two instances at 50/s burst 5 (500 sends)', `${(await groupRate([lite, lite], 50, 5, 500)).toFixed(1)} sends/s`]);
await lite.close();
rmSync(dir, { recursive: true, force: true });

const db = await createTestDatabase();
const pgs = [await openStore({ kind: 'postgres', url: db.url }, logger), await openStore({ kind: 'postgres', url: db.url }, logger)] as [Store, Store];
rows.push(['PostgreSQL: reservations/s, 16 in flight (2000)', `${Math.round(await reservationsPerSecond(pgs[0], 2_000, 16))}`]);
rows.push(['PostgreSQL: two instances (two pools) at 50/s burst 5 (500 sends)', `${(await groupRate(pgs, 50, 5, 500)).toFixed(1)} sends/s`]);
for (const s of pgs) await s.close();
await db.drop();

const width = Math.max(...rows.map(([k]) => k.length));
process.stdout.write(`\n${'measurement'.padEnd(width)}  result\n${'-'.repeat(width)}  ------\n`);
for (const [k, v] of rows) process.stdout.write(`${k.padEnd(width)}  ${v}\n`);
process.exit(0);
