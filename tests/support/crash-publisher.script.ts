/**
 * Child process for the durability test: opens the log bus on the given store and publishes numbered
 * records from concurrent publishers as fast as it can, printing each number once its publish resolved
 * (i.e. once it is acknowledged as durable). The parent kills it with SIGKILL mid-stream.
 *
 * Usage: node --import tsx tests/support/crash-publisher.script.ts <embedded|postgres> <dataDir|url> [publishers]
 */
import { createLogBus } from '../../platform/bus/log-bus.js';
import { openStore } from '../../platform/store/open-store.js';
import { createLogger } from '../../platform/telemetry/logger.js';

/** Read back by tests/integration/log-bus-crash.test.ts. */
const crashTopic = 'crash-test';

async function main(): Promise<void> {
  const [kind, target, publishersArg] = process.argv.slice(2);
  if ((kind !== 'embedded' && kind !== 'postgres') || target === undefined) throw new Error('usage: <embedded|postgres> <dataDir|url> [publishers]');
  const logger = createLogger('error');
  const store = await openStore(kind === 'embedded' ? { kind, dataDir: target } : { kind, url: target }, logger);
  const bus = createLogBus(store, { logger });
  process.stdout.write('ready\n');
  let next = 0;
  const publisher = async (id: number): Promise<void> => {
    for (;;) {
      const n = next++;
      await bus.publish(crashTopic, `k${id}`, { n });
      process.stdout.write(`${n}\n`);
    }
  };
  await Promise.all(Array.from({ length: Number(publishersArg ?? 20) }, (_, id) => publisher(id)));
}

main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exit(1);
});
