/**
 * Child process for tests/integration/spool-bus.test.ts: a spooling bus whose Kafka is unreachable (a
 * closed port) publishes numbered records from concurrent publishers into its spool and prints each number
 * once its publish resolved. The parent SIGKILLs it mid-stream, then forwards the spool to a live broker.
 *
 * Usage: node --import tsx tests/faults/spool-crash.script.ts <spoolDir> <deadBroker> <topic> [publishers]
 */
import { createKafkaBus } from '../../platform/bus/kafka-bus.js';
import { createSpoolingBus } from '../../platform/bus/spooling-bus.js';
import { createLogger } from '../../platform/telemetry/logger.js';

async function main(): Promise<void> {
  const [dataDir, broker, topic, publishersArg] = process.argv.slice(2);
  if (dataDir === undefined || broker === undefined || topic === undefined) throw new Error('usage: <spoolDir> <deadBroker> <topic> [publishers]');
  const logger = createLogger('error');
  const target = await createKafkaBus({ brokers: [broker], logger, allowStartWithoutBroker: true, startTimeoutMs: 1_000, publishTimeoutMs: 1_000 });
  const bus = await createSpoolingBus({ target, topics: [topic], dataDir, maxRecords: 1_000_000, logger, switchAfterMs: 500 });
  process.stdout.write('ready\n');
  let next = 0;
  const publisher = async (id: number): Promise<void> => {
    for (;;) {
      const n = next++;
      await bus.publish(topic, `k${id}`, { n });
      process.stdout.write(`${n}\n`);
    }
  };
  await Promise.all(Array.from({ length: Number(publishersArg ?? 20) }, (_, id) => publisher(id)));
}

main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exit(1);
});
