import kafkajs from 'kafkajs';
import { isLeadgateError } from '../../contracts/errors.js';
import type { BusRecord, Subscription } from '../../platform/bus/bus.port.js';
import { createKafkaBus, type KafkaBus } from '../../platform/bus/kafka-bus.js';
import { createLogger } from '../../platform/telemetry/logger.js';
import { describeBusContract, waitUntil } from '../support/bus-contract.js';
import { testKafkaBrokers, uniqueName } from '../support/kafka.js';

// Errors only by default: the contract provokes handler failures on purpose, whose retries log at warn.
// LEADGATE_TEST_LOG_LEVEL=warn shows them.
const logger = createLogger(process.env.LEADGATE_TEST_LOG_LEVEL ?? 'error');

async function kafkaBus(): Promise<KafkaBus> {
  return createKafkaBus({ brokers: testKafkaBrokers(), clientId: 'leadgate-test', logger, handlerRetryInitialMs: 50 });
}

describeBusContract('kafka', async () => {
  const bus = await kafkaBus();
  return { bus, cleanup: () => bus.close() };
});

describe('Kafka bus specifics', () => {
  let bus: KafkaBus;
  const subscriptions: Subscription[] = [];

  beforeAll(async () => {
    bus = await kafkaBus();
  });
  afterEach(async () => {
    await Promise.all(subscriptions.splice(0).map((s) => s.stop()));
  });
  afterAll(async () => {
    await bus?.close();
  });

  test('creates the standard topics and reports ready', async () => {
    const admin = new kafkajs.Kafka({ brokers: testKafkaBrokers(), logLevel: kafkajs.logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      const topics = await admin.listTopics();
      expect(topics).toEqual(expect.arrayContaining(['leads.raw.v1', 'leads.normalized.v1', 'leads.delivery.retry.v1', 'leads.dlq.v1']));
      const [raw] = (await admin.fetchTopicMetadata({ topics: ['leads.raw.v1'] })).topics;
      expect(raw.partitions.length).toBeGreaterThanOrEqual(1);
    } finally {
      await admin.disconnect();
    }
    await expect(bus.ready()).resolves.toBe(true);
  });

  test('concurrent publishes share produce requests and are all readable', async () => {
    const topic = uniqueName('kafka-batching');
    const count = 5_000;
    const before = bus.producerStats();
    const started = performance.now();
    await Promise.all(Array.from({ length: count }, (_, seq) => bus.publish(topic, `k-${seq % 97}`, { seq, pad: 'x'.repeat(200) })));
    const publishMs = performance.now() - started;
    const after = bus.producerStats();
    const batches = after.batches - before.batches;

    expect(after.messages - before.messages).toBe(count);
    expect(after.failedBatches - before.failedBatches).toBe(0);
    expect(batches).toBeLessThan(count / 20);
    logger.info({ count, batches, publishMs: Math.round(publishMs), perSecond: Math.round((count / publishMs) * 1000) }, 'batching');

    const seen = new Set<number>();
    subscriptions.push(
      await bus.subscribe(topic, uniqueName('kafka-batching-g'), async (r) => {
        seen.add((r.value as { seq: number }).seq);
      }),
    );
    await waitUntil(() => seen.size >= count, `${count} records`);
    expect(seen.size).toBe(count);
  });

  test('a record whose value is not JSON reaches the handler as the raw string', async () => {
    const topic = uniqueName('kafka-raw');
    await bus.publish(topic, 'json', { ok: true });
    const kafka = new kafkajs.Kafka({ brokers: testKafkaBrokers(), logLevel: kafkajs.logLevel.NOTHING });
    // Idempotent, so a retried produce cannot write the test's records twice.
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: kafkajs.Partitioners.DefaultPartitioner });
    await producer.connect();
    await producer.send({ topic, messages: [{ key: 'raw', value: 'not json {' }, { key: 'tomb', value: null }] });
    await producer.disconnect();
    await bus.publish(topic, 'json', { ok: 'after' });

    // Keyed by log position: a redelivery (at least once) is not a second record.
    const byPosition = new Map<string, BusRecord>();
    subscriptions.push(
      await bus.subscribe(topic, uniqueName('kafka-raw-g'), async (r) => void byPosition.set(`${r.partition}:${r.offset}`, r)),
    );
    await waitUntil(() => byPosition.size >= 4, 'four records');
    const seen = [...byPosition.values()].sort((a, b) => a.partition - b.partition || Number(a.offset) - Number(b.offset));
    const byKey = (k: string): unknown[] => seen.filter((r) => r.key === k).map((r) => r.value);
    expect(byKey('raw')).toEqual(['not json {']);
    expect(byKey('tomb')).toEqual([null]);
    expect(byKey('json')).toEqual([{ ok: true }, { ok: 'after' }]);
  });

  test('publish to an unreachable broker rejects with BUS_UNAVAILABLE within the bound', async () => {
    const quiet = createLogger('silent');
    await expect(
      createKafkaBus({ brokers: ['127.0.0.1:1'], logger: quiet, startTimeoutMs: 2_000 }),
    ).rejects.toMatchObject({ code: 'BUS_UNAVAILABLE' });

    const publishTimeoutMs = 3_000;
    const down = await createKafkaBus({
      brokers: ['127.0.0.1:1'],
      logger: quiet,
      allowStartWithoutBroker: true,
      startTimeoutMs: 1_000,
      publishTimeoutMs,
    });
    try {
      const started = Date.now();
      const outcome = await down.publish('leads.raw.v1', 'k', { n: 1 }).then(
        () => 'resolved',
        (err: unknown) => err,
      );
      const elapsed = Date.now() - started;
      expect(isLeadgateError(outcome) && outcome.code).toBe('BUS_UNAVAILABLE');
      expect(isLeadgateError(outcome) && outcome.retriable).toBe(true);
      expect(elapsed).toBeLessThanOrEqual(publishTimeoutMs + 1_500);
      await expect(down.ready()).resolves.toBe(false);
    } finally {
      await down.close();
    }
  });
});
