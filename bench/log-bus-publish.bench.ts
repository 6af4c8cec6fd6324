/**
 * Publish throughput of the embedded log bus: N concurrent publishers, each awaiting its publish before
 * the next (as webhook handlers do). Prints publishes/s and the group-commit factor.
 *
 * Usage: node --import tsx bench/log-bus-publish.bench.ts [embedded|postgres|memory] [dataDir|url] [publishers] [seconds]
 * On PostgreSQL the schema is migrated into the given database: point it at a scratch one.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogBus } from '../platform/bus/log-bus.js';
import { openStore, type StoreConfig } from '../platform/store/open-store.js';
import { createLogger } from '../platform/telemetry/logger.js';

async function main(): Promise<void> {
  const [kind = 'embedded', targetArg, publishersArg = '50', secondsArg = '10'] = process.argv.slice(2);
  const target = targetArg === '' ? undefined : targetArg;
  const tempDir = kind === 'embedded' && target === undefined ? mkdtempSync(join(tmpdir(), 'leadgate-bench-')) : undefined;
  const config: StoreConfig =
    kind === 'postgres'
      ? { kind: 'postgres', url: target ?? 'postgres://postgres@127.0.0.1:5432/leadgate_bench' }
      : { kind: 'embedded', dataDir: kind === 'memory' ? undefined : (target ?? join(tempDir as string, 'db')) };
  const logger = createLogger('error');
  const store = await openStore(config, logger);
  const bus = createLogBus(store, { logger });
  const value = { v: 1, payload: { name: 'Bench Lead', phone: '+10000000000', message: 'x'.repeat(200) } };
  const deadline = Date.now() + Number(secondsArg) * 1000;
  let acked = 0;
  const started = Date.now();
  await Promise.all(
    Array.from({ length: Number(publishersArg) }, async (_, id) => {
      while (Date.now() < deadline) {
        await bus.publish('bench', `k${id}`, value, { 'x-bench': '1' });
        acked++;
      }
    }),
  );
  const seconds = (Date.now() - started) / 1000;
  const { flushes, records } = bus.stats();
  console.log(
    JSON.stringify({ kind, publishers: Number(publishersArg), seconds, acked, publishesPerSec: Math.round(acked / seconds), flushes, recordsPerFlush: +(records / flushes).toFixed(1) }),
  );
  await bus.close();
  if (kind === 'postgres') await store.query("delete from bus_log where topic = 'bench'");
  await store.close();
  if (tempDir !== undefined) rmSync(tempDir, { recursive: true, force: true });
}

void main();
