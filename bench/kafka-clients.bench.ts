// Kafka client comparison on this machine against the running broker: kafkajs (what Leadgate uses),
// @platformatic/kafka (pure JS) and @confluentinc/kafka-javascript (librdkafka, native).
//
//   npx tsx bench/kafka-clients.bench.ts                          # clients found in ./node_modules
//   KAFKA_BENCH_MODULES=/tmp/kb node bench/…                      # a directory holding the candidates
//   KAFKA_BENCH_BROKERS=127.0.0.1:19092 KAFKA_BENCH_MESSAGES=20000
//
// Per client: produce throughput with acks=all (idempotent) in batches of 500, single-message acks=all
// latency (sequential, p50/p99), 8 single-message sends in flight (no batching), and consume throughput
// of the produced topic from the earliest offset with a fresh group. Prints one JSON line per client.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { randomUUID } from 'node:crypto';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const brokers = (process.env.KAFKA_BENCH_BROKERS ?? '127.0.0.1:19092').split(',');
const total = Number(process.env.KAFKA_BENCH_MESSAGES ?? 20000);
const batch = 500;
const latencySamples = 300;
const inFlight = 8;
const payload = 'x'.repeat(512);
const modules = resolve(process.env.KAFKA_BENCH_MODULES ?? '.');

interface Adapter {
  name: string;
  version: string;
  /** Sends these values to the topic with acks=all; resolves when acknowledged. */
  send(topic: string, values: string[]): Promise<void>;
  /** Reads `count` records of `topic` from the beginning with a new group; resolves when all arrived. */
  consume(topic: string, count: number): Promise<void>;
  close(): Promise<void>;
}

type Loaded = Record<string, unknown>;
async function load(name: string): Promise<{ mod: Loaded; version: string } | undefined> {
  try {
    const require = createRequire(join(modules, 'package.json'));
    const entry = require.resolve(name);
    // Read by path: some packages do not export their package.json.
    const pkg = JSON.parse(readFileSync(join(modules, 'node_modules', name, 'package.json'), 'utf8')) as { version: string };
    const mod = (await import(pathToFileURL(entry).href)) as Loaded;
    return { mod: (mod.default as Loaded | undefined) && !mod.Producer && !mod.Kafka && !mod.KafkaJS ? (mod.default as Loaded) : mod, version: pkg.version };
  } catch (err) {
    process.stderr.write(`${name}: not loadable from ${modules} (${(err as Error).message.split('\n')[0]})\n`);
    return undefined;
  }
}

/* eslint-disable @typescript-eslint/no-explicit-any -- three foreign client APIs, typed at their edges */
type AnyCtor = new (...args: unknown[]) => any;

/** kafkajs-style `run({eachBatch})` until `count` records arrived, then disconnect. */
async function runUntil(consumer: any, count: number): Promise<void> {
  let seen = 0;
  await new Promise<void>((done) => {
    void consumer.run({ eachBatch: async ({ batch: b }: { batch: { messages: unknown[] } }) => {
      seen += b.messages.length;
      if (seen >= count) done();
    } });
  });
  await consumer.disconnect();
}

async function kafkajsAdapter(): Promise<Adapter | undefined> {
  const loaded = await load('kafkajs');
  if (!loaded) return undefined;
  const { Kafka, logLevel } = loaded.mod as { Kafka: AnyCtor; logLevel: { NOTHING: number } };
  const kafka = new Kafka({ brokers, clientId: 'bench-kafkajs', logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  return {
    name: 'kafkajs',
    version: loaded.version,
    send: (topic, values) => producer.send({ topic, acks: -1, messages: values.map((value, i) => ({ key: String(i), value })) }),
    async consume(topic, count) {
      const consumer = kafka.consumer({ groupId: `bench-${randomUUID()}` });
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await runUntil(consumer, count);
    },
    close: () => producer.disconnect(),
  };
}

async function platformaticAdapter(): Promise<Adapter | undefined> {
  const loaded = await load('@platformatic/kafka');
  if (!loaded) return undefined;
  const { Producer, Consumer, stringSerializers, stringDeserializers, MessagesStreamModes } = loaded.mod as Record<string, any>;
  const producer = new Producer({ clientId: 'bench-platformatic', bootstrapBrokers: brokers, serializers: stringSerializers, idempotent: true, acks: -1 });
  return {
    name: '@platformatic/kafka',
    version: loaded.version,
    async send(topic, values) {
      await producer.send({ messages: values.map((value, i) => ({ topic, key: String(i), value })), acks: -1 });
    },
    async consume(topic, count) {
      const consumer = new Consumer({ groupId: `bench-${randomUUID()}`, clientId: 'bench-platformatic-c', bootstrapBrokers: brokers, deserializers: stringDeserializers });
      const stream = await consumer.consume({ topics: [topic], mode: MessagesStreamModes.EARLIEST });
      let seen = 0;
      for await (const _m of stream) {
        if (++seen >= count) break;
      }
      await stream.close();
      await consumer.close();
    },
    close: () => producer.close(),
  };
}

async function confluentAdapter(): Promise<Adapter | undefined> {
  const loaded = await load('@confluentinc/kafka-javascript');
  if (!loaded) return undefined;
  const { Kafka } = (loaded.mod as { KafkaJS: { Kafka: AnyCtor } }).KafkaJS;
  const kafka = new Kafka({ kafkaJS: { brokers, clientId: 'bench-confluent', logLevel: 0 } });
  const producer = kafka.producer({ kafkaJS: { idempotent: true, acks: -1 } });
  await producer.connect();
  return {
    name: '@confluentinc/kafka-javascript',
    version: loaded.version,
    send: (topic, values) => producer.send({ topic, messages: values.map((value, i) => ({ key: String(i), value })) }),
    async consume(topic, count) {
      const consumer = kafka.consumer({ kafkaJS: { groupId: `bench-${randomUUID()}`, fromBeginning: true } });
      await consumer.connect();
      await consumer.subscribe({ topic });
      await runUntil(consumer, count);
    },
    close: () => producer.disconnect(),
  };
}
/* eslint-enable @typescript-eslint/no-explicit-any */

const percentile = (xs: number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? 0;
const round = (x: number): number => Math.round(x * 10) / 10;

async function createTopic(name: string): Promise<void> {
  const loaded = await load('kafkajs');
  if (!loaded) throw new Error('kafkajs is needed to create the bench topics');
  const { Kafka, logLevel } = loaded.mod as { Kafka: AnyCtor; logLevel: { NOTHING: number } };
  const admin = new Kafka({ brokers, clientId: 'bench-admin', logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: name, numPartitions: 6 }], waitForLeaders: true });
  await admin.disconnect();
}

async function run(adapter: Adapter): Promise<Record<string, unknown>> {
  const topic = `bench.kafka-clients.${adapter.name.replace(/[^a-z]/g, '')}.${randomUUID().slice(0, 8)}`;
  await createTopic(topic);
  await adapter.send(topic, ['warm-up']);
  const values = Array.from({ length: batch }, () => payload);
  let t = performance.now();
  for (let sent = 0; sent < total; sent += batch) await adapter.send(topic, values);
  const batchedPerSec = total / ((performance.now() - t) / 1000);

  const latencies: number[] = [];
  for (let i = 0; i < latencySamples; i++) {
    const s = performance.now();
    await adapter.send(topic, [payload]);
    latencies.push(performance.now() - s);
  }
  const singles = 2000;
  t = performance.now();
  let next = 0;
  await Promise.all(Array.from({ length: inFlight }, async () => {
    while (next++ < singles) await adapter.send(topic, [payload]);
  }));
  const singlePerSec = singles / ((performance.now() - t) / 1000);

  t = performance.now();
  await adapter.consume(topic, total);
  const consumePerSec = total / ((performance.now() - t) / 1000);
  return {
    client: adapter.name,
    version: adapter.version,
    node: process.version,
    produceBatchedMsgPerSec: Math.round(batchedPerSec),
    produceSingleP50Ms: round(percentile(latencies, 50)),
    produceSingleP99Ms: round(percentile(latencies, 99)),
    produce8InFlightMsgPerSec: Math.round(singlePerSec),
    consumeMsgPerSec: Math.round(consumePerSec),
  };
}

const only = process.env.KAFKA_BENCH_CLIENTS?.split(',');
for (const make of [kafkajsAdapter, platformaticAdapter, confluentAdapter]) {
  let adapter: Adapter | undefined;
  try {
    adapter = await make();
    if (!adapter || (only && !only.includes(adapter.name))) continue;
    process.stdout.write(`${JSON.stringify(await run(adapter))}\n`);
  } catch (err) {
    process.stderr.write(`${make.name}: ${(err as Error).stack ?? String(err)}\n`);
  } finally {
    await adapter?.close().catch(() => undefined);
  }
}
process.exit(0);
