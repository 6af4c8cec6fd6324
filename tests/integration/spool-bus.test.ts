import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { isLeadgateError } from '../../contracts/errors.js';
import type { Bus, BusRecord, Subscription } from '../../platform/bus/bus.port.js';
import { createKafkaBus, type KafkaBus } from '../../platform/bus/kafka-bus.js';
import { createSpoolingBus, type SpoolingBus } from '../../platform/bus/spooling-bus.js';
import { createLogger } from '../../platform/telemetry/logger.js';
import { Metrics } from '../../platform/telemetry/metrics.js';
import { waitUntil } from '../support/bus-contract.js';
import { testKafkaBrokers, uniqueName } from '../support/kafka.js';
import { freePort } from '../support/leadgate-process.js';

const logger = createLogger(process.env.LEADGATE_TEST_LOG_LEVEL ?? 'error');
const script = join(process.cwd(), 'tests/faults/spool-crash.script.ts');

/** A Kafka adapter pointed at a port nobody listens on: every publish fails like during an outage. */
async function deadKafka(): Promise<KafkaBus> {
  return createKafkaBus({ brokers: [`127.0.0.1:${await freePort()}`], logger, allowStartWithoutBroker: true, startTimeoutMs: 1_000, publishTimeoutMs: 1_000 });
}

async function liveKafka(): Promise<KafkaBus> {
  return createKafkaBus({ brokers: testKafkaBrokers(), clientId: 'leadgate-spool-test', logger, handlerRetryInitialMs: 50 });
}

/** Reads `topic` from the live broker into an array, in delivery order. */
async function collect(bus: Bus, topic: string): Promise<{ records: BusRecord[]; subscription: Subscription }> {
  const records: BusRecord[] = [];
  const subscription = await bus.subscribe(topic, uniqueName('spool-check'), async (record) => {
    records.push(record);
  });
  return { records, subscription };
}

/** Every key's numbers must arrive ascending (duplicates from at-least-once forwarding are allowed). */
function orderViolations(records: BusRecord[]): string[] {
  const last = new Map<string, number>();
  const problems: string[] = [];
  for (const r of records) {
    const n = (r.value as { n: number }).n;
    const prev = last.get(r.key);
    if (prev !== undefined && n < prev) problems.push(`${r.key}: ${n} after ${prev}`);
    last.set(r.key, n);
  }
  return problems;
}

describe('Spooling bus (gateway spool for Kafka outages)', () => {
  let dir: string;
  let live: KafkaBus;
  const closers: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    live = await liveKafka();
  });
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'leadgate-spool-'));
  });
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });
  afterAll(async () => {
    await live?.close();
  });

  test('accepts into the spool while Kafka is unreachable, then forwards in order once it is back', async () => {
    const dead = await deadKafka();
    let useLive = false;
    // The same adapter contract as Kafka, switched from a closed port to the live broker: an outage that ends.
    const target: Bus = {
      kind: 'kafka',
      publish: (...args) => (useLive ? live : dead).publish(...args),
      subscribe: (...args) => live.subscribe(...args),
      subscribeBatch: (...args) => live.subscribeBatch(...args),
      ready: () => (useLive ? live : dead).ready(),
      close: () => dead.close(),
    };
    const topic = uniqueName('spool-raw');
    const metrics = new Metrics({ defaultMetrics: false });
    const bus: SpoolingBus = await createSpoolingBus({ target, topics: [topic], dataDir: join(dir, 'spool'), maxRecords: 10_000, logger, metrics, switchAfterMs: 500, probeIntervalMs: 200 });
    closers.push(() => bus.close());

    const keys = 20;
    const perKey = 15;
    const started = Date.now();
    // Each key's records are published one after another, like a provider that waits for the answer.
    await Promise.all(
      Array.from({ length: keys }, async (_, k) => {
        for (let i = 0; i < perKey; i++) await bus.publish(topic, `k${k}`, { n: i });
      }),
    );
    const spoolMs = Date.now() - started;
    expect(bus.spoolStats()).toMatchObject({ spooling: true, depth: keys * perKey, kafkaHealthy: false });
    expect((await metrics.spoolDepth.get()).values[0]?.value).toBe(keys * perKey);
    // Only the first publish waits for the switch; the rest go to the spool at once.
    expect(spoolMs).toBeLessThan(10_000);
    // The gauge is sampled once a second, so wait for a sample taken after the oldest record aged.
    await waitUntil(async () => ((await metrics.spoolOldestAge.get()).values[0]?.value ?? 0) > 0.5, 'the oldest-age gauge to report the spool age', 10_000);

    const { records, subscription } = await collect(live, topic);
    closers.push(() => subscription.stop());
    useLive = true;
    await waitUntil(() => bus.spoolStats().depth === 0, 'the spool to drain', 60_000);
    expect(bus.spoolStats().spooling).toBe(false);
    expect((await metrics.spoolOldestAge.get()).values[0]?.value).toBe(0);

    // After the drain, publishes go straight to Kafka again.
    await bus.publish(topic, 'k0', { n: perKey });
    expect(bus.spoolStats()).toMatchObject({ spooling: false, depth: 0 });

    await waitUntil(() => new Set(records.map((r) => `${r.key}/${(r.value as { n: number }).n}`)).size === keys * perKey + 1, 'every record on Kafka', 60_000);
    expect(orderViolations(records)).toEqual([]);
  }, 120_000);

  test('rejects with BUS_UNAVAILABLE and a Retry-After once the spool is full', async () => {
    const topic = uniqueName('spool-full');
    const bus = await createSpoolingBus({ target: await deadKafka(), topics: [topic], dataDir: join(dir, 'spool'), maxRecords: 10, logger, switchAfterMs: 300 });
    closers.push(() => bus.close());
    for (let i = 0; i < 10; i++) await bus.publish(topic, `k${i}`, { n: i });
    const rejection = await bus.publish(topic, 'k10', { n: 10 }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(isLeadgateError(rejection) && rejection.code).toBe('BUS_UNAVAILABLE');
    expect(isLeadgateError(rejection) && rejection.details.retryAfterSec).toBeGreaterThan(0);
    expect(await bus.ready()).toBe(false);
  }, 60_000);

  test('records spooled before a kill -9 are forwarded after the restart, none lost', async () => {
    const topic = uniqueName('spool-crash');
    const dataDir = join(dir, 'spool');
    const env = { ...process.env };
    delete env.NODE_OPTIONS; // jest's --experimental-vm-modules is not for the child
    const deadBroker = `127.0.0.1:${await freePort()}`;
    const child = spawn(process.execPath, ['--import', 'tsx', script, dataDir, deadBroker, topic, '20'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    const acked = new Set<number>();
    for await (const line of createInterface({ input: child.stdout })) {
      if (line === 'ready') continue;
      acked.add(Number(line));
      if (acked.size === 1_000) setTimeout(() => child.kill('SIGKILL'), Math.random() * 25);
    }
    expect(await exited).toBe('SIGKILL');
    expect(stderr).toBe('');

    const bus = await createSpoolingBus({ target: await liveKafka(), topics: [topic], dataDir, maxRecords: 1_000_000, logger });
    closers.push(() => bus.close());
    expect(bus.spoolStats().spooling).toBe(true);
    const { records, subscription } = await collect(live, topic);
    closers.push(() => subscription.stop());
    await waitUntil(() => bus.spoolStats().depth === 0, 'the spool to drain', 60_000);
    const found = new Set(records.map((r) => (r.value as { n: number }).n));
    await waitUntil(() => {
      for (const r of records) found.add((r.value as { n: number }).n);
      return [...acked].every((n) => found.has(n));
    }, 'every acknowledged record on Kafka', 30_000).catch(() => undefined);
    const lost = [...acked].filter((n) => !found.has(n));
    // Printed on purpose: the figures are the evidence this test exists for.
    console.log(`spool crash: acked=${acked.size} forwarded=${found.size} lost=${lost.length}`);
    expect(lost).toEqual([]);
    expect(orderViolations(records)).toEqual([]);
  }, 180_000);
});
