import pino from 'pino';
import { LeadgateError } from '../../contracts/errors.js';
import type { DeadLetter } from '../../contracts/delivery.js';
import { Topics } from '../../contracts/topics.js';
import type { Bus, BusRecord, Subscription } from '../../platform/bus/bus.port.js';
import { namespacedBus } from '../../platform/bus/namespaced-bus.js';
import { poisonGuardedBus } from '../../platform/bus/poison-guard.js';
import { Metrics } from '../../platform/telemetry/metrics.js';

export interface BusContractFixture {
  bus: Bus;
  /** Closes the bus and releases whatever the factory set up (temp dirs, containers). */
  cleanup(): Promise<void>;
}

export type BusContractFactory = () => Promise<BusContractFixture>;

const deliveryTimeoutMs = 30_000;

/** Polls until `predicate` holds; the message says what was awaited when it never does. */
export async function waitUntil(predicate: () => boolean | Promise<boolean>, what: string, timeoutMs = deliveryTimeoutMs): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

interface Seq {
  run: string;
  seq: number;
}

/**
 * Delivery is at least once, so a record may legitimately come twice (a rebalance, a lost commit).
 * Tests judge first deliveries, identified by log position.
 */
function firstDelivery(): (r: BusRecord) => boolean {
  const seen = new Set<string>();
  return (r) => {
    const position = `${r.partition}:${r.offset}`;
    if (seen.has(position)) return false;
    seen.add(position);
    return true;
  };
}

function isSeq(value: unknown): value is Seq {
  return typeof value === 'object' && value !== null && typeof (value as Seq).seq === 'number' && typeof (value as Seq).run === 'string';
}

/**
 * The behaviour every Bus adapter owes its callers (see platform/bus/bus.port.ts), as one jest suite.
 *
 * Each test uses its own topic (`bus-contract-<run>-<case>`), groups and keys, so runs never see each
 * other's records even on a long-lived broker: adapters must therefore accept topic names beyond
 * contracts/topics.ts (Kafka creates them on first use). Records carry the run id and a sequence number.
 */
export function describeBusContract(name: string, factory: BusContractFactory): void {
  describe(`Bus contract: ${name}`, () => {
    const run = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
    const topicFor = (testCase: string): string => `bus-contract-${run}-${testCase}`;
    const groupFor = (testCase: string, n = 1): string => `bus-contract-${run}-${testCase}-g${n}`;
    let fixture: BusContractFixture | undefined;
    const subscriptions: Subscription[] = [];

    const bus = (): Bus => {
      if (!fixture) throw new Error('bus factory failed; see the beforeAll error');
      return fixture.bus;
    };
    const track = (s: Subscription): Subscription => {
      subscriptions.push(s);
      return s;
    };

    beforeAll(async () => {
      fixture = await factory();
    });

    afterEach(async () => {
      await Promise.all(subscriptions.splice(0).map((s) => s.stop()));
    });

    afterAll(async () => {
      await fixture?.cleanup();
    });

    test('a published record reaches a subscriber with key, value and headers', async () => {
      const topic = topicFor('roundtrip');
      const value = { run, seq: 1, text: 'Привет, lead', nested: { list: [1, 2, 3] } };
      await bus().publish(topic, 'key-1', value, { 'x-trace-id': 'trace-1', 'content-type': 'application/json' });

      const seen: BusRecord[] = [];
      const isFirst = firstDelivery();
      track(
        await bus().subscribe(topic, groupFor('roundtrip'), async (r) => {
          if (isFirst(r)) seen.push(r);
        }),
      );
      await waitUntil(() => seen.length >= 1, 'the record');

      expect(seen).toHaveLength(1);
      const [record] = seen;
      expect(record.topic).toBe(topic);
      expect(record.key).toBe('key-1');
      expect(record.value).toEqual(value);
      expect(record.headers).toMatchObject({ 'x-trace-id': 'trace-1', 'content-type': 'application/json' });
      expect(typeof record.offset).toBe('string');
      expect(Number.isInteger(record.partition)).toBe(true);
      expect(record.timestamp).toBeGreaterThan(0);
    });

    test('records of one key arrive in publish order while keys interleave', async () => {
      const topic = topicFor('order');
      const keys = ['a', 'b', 'c', 'd', 'e'].map((k) => `order-${run}-${k}`);
      const perKey = 200;
      const publishes: Promise<void>[] = [];
      for (let seq = 0; seq < perKey; seq++) {
        for (const key of keys) publishes.push(bus().publish(topic, key, { run, seq, key }));
      }
      await Promise.all(publishes);

      const received = new Map<string, number[]>(keys.map((k) => [k, []]));
      let total = 0;
      const isFirst = firstDelivery();
      track(
        await bus().subscribe(topic, groupFor('order'), async (r) => {
          if (!isSeq(r.value) || !isFirst(r)) return;
          // Yield now and then, so a key-ordering bug would show up as interleaving.
          if (r.value.seq % 7 === 0) await new Promise((resolve) => setImmediate(resolve));
          received.get(r.key)?.push(r.value.seq);
          total++;
        }),
      );
      await waitUntil(() => total >= keys.length * perKey, `${keys.length * perKey} records`);

      const expected = Array.from({ length: perKey }, (_, i) => i);
      for (const key of keys) expect(received.get(key)).toEqual(expected);
    });

    test('a handler that throws gets the record again; nothing is skipped', async () => {
      const topic = topicFor('retry');
      const count = 20;
      const failOnce = new Set([3, 7, 15]);
      await Promise.all(Array.from({ length: count }, (_, seq) => bus().publish(topic, `retry-${seq % 4}`, { run, seq })));

      const attempts = new Map<number, number>();
      const processed = new Set<number>();
      track(
        await bus().subscribe(topic, groupFor('retry'), async (r) => {
          if (!isSeq(r.value)) return;
          const n = (attempts.get(r.value.seq) ?? 0) + 1;
          attempts.set(r.value.seq, n);
          if (failOnce.has(r.value.seq) && n === 1) throw new Error(`planned failure of ${r.value.seq}`);
          processed.add(r.value.seq);
        }),
      );
      await waitUntil(() => processed.size >= count, `${count} processed records`);

      expect([...processed].sort((x, y) => x - y)).toEqual(Array.from({ length: count }, (_, i) => i));
      for (const seq of failOnce) expect(attempts.get(seq)).toBeGreaterThanOrEqual(2);
    });

    test('offsets are committed only after success: a restarted group resumes at the first unfinished record', async () => {
      const topic = topicFor('commit');
      const group = groupFor('commit');
      const key = `commit-${run}`;
      const count = 60;
      const failFrom = 25;
      await Promise.all(Array.from({ length: count }, (_, seq) => bus().publish(topic, key, { run, seq })));

      const first: number[] = [];
      let stuckAttempts = 0;
      const isFirst1 = firstDelivery();
      const sub1 = await bus().subscribe(topic, group, async (r) => {
        if (!isSeq(r.value)) return;
        if (r.value.seq >= failFrom) {
          stuckAttempts++;
          throw new Error('downstream is down');
        }
        if (isFirst1(r)) first.push(r.value.seq);
      });
      await waitUntil(() => first.length >= failFrom && stuckAttempts >= 1, 'the first subscription to get stuck');
      await sub1.stop();
      expect(first).toEqual(Array.from({ length: failFrom }, (_, i) => i));

      const second: number[] = [];
      const isFirst2 = firstDelivery();
      track(
        await bus().subscribe(topic, group, async (r) => {
          if (isSeq(r.value) && isFirst2(r)) second.push(r.value.seq);
        }),
      );
      await waitUntil(() => second.includes(count - 1), 'the second subscription to reach the last record');
      expect(second).toEqual(Array.from({ length: count - failFrom }, (_, i) => failFrom + i));
    });

    test('two subscriptions in one group together receive every record', async () => {
      const topic = topicFor('group');
      const group = groupFor('group');
      const count = 300;
      const seen = new Set<number>();
      const handler = async (r: BusRecord): Promise<void> => {
        if (isSeq(r.value)) seen.add(r.value.seq);
      };
      track(await bus().subscribe(topic, group, handler));
      track(await bus().subscribe(topic, group, handler));
      await Promise.all(Array.from({ length: count }, (_, seq) => bus().publish(topic, `group-${run}-${seq}`, { run, seq })));

      await waitUntil(() => seen.size >= count, `${count} records across the group`);
      expect(seen.size).toBe(count);
    });

    test('close flushes, is idempotent, and later publishes reject', async () => {
      const own = await factory();
      const topic = topicFor('close');
      const published = own.bus.publish(topic, 'close-key', { run, seq: 0 });
      await Promise.all([own.bus.close(), own.bus.close()]);
      await expect(published).resolves.toBeUndefined();
      await expect(own.bus.close()).resolves.toBeUndefined();
      await expect(own.bus.publish(topic, 'close-key', { run, seq: 1 })).rejects.toThrow();
      await own.cleanup();

      const seen: number[] = [];
      const isFirst = firstDelivery();
      track(
        await bus().subscribe(topic, groupFor('close'), async (r) => {
          if (isSeq(r.value) && isFirst(r)) seen.push(r.value.seq);
        }),
      );
      await waitUntil(() => seen.length >= 1, 'the record published before close');
      expect(seen).toEqual([0]);
    });

    describe('batch subscriptions', () => {
      test('every record arrives once per batch, in log order, keys in publish order, at most maxRecords per call', async () => {
        const topic = topicFor('batch-order');
        const keys = ['a', 'b', 'c'].map((k) => `batch-${run}-${k}`);
        const perKey = 100;
        const publishes: Promise<void>[] = [];
        for (let seq = 0; seq < perKey; seq++) for (const key of keys) publishes.push(bus().publish(topic, key, { run, seq, key }));
        await Promise.all(publishes);

        const received = new Map<string, number[]>(keys.map((k) => [k, []]));
        let total = 0;
        let largest = 0;
        const isFirst = firstDelivery();
        track(
          await bus().subscribeBatch(topic, groupFor('batch-order'), async (records) => {
            largest = Math.max(largest, records.length);
            for (const r of records) {
              if (!isSeq(r.value) || !isFirst(r)) continue;
              received.get(r.key)?.push(r.value.seq);
              total++;
            }
          }, { maxRecords: 50 }),
        );
        await waitUntil(() => total >= keys.length * perKey, `${keys.length * perKey} records in batches`);

        const expected = Array.from({ length: perKey }, (_, i) => i);
        for (const key of keys) expect(received.get(key)).toEqual(expected);
        expect(largest).toBeGreaterThan(0);
        expect(largest).toBeLessThanOrEqual(50);
      });

      test('a batch handler that throws gets the same records again; the batch commits once, after it succeeded', async () => {
        const topic = topicFor('batch-commit');
        const group = groupFor('batch-commit');
        const key = `batch-commit-${run}`;
        const count = 60;
        const failFrom = 25;
        for (let seq = 0; seq < count; seq++) await bus().publish(topic, key, { run, seq });

        const succeeded: number[] = [];
        let stuck: number[] = [];
        let stuckAttempts = 0;
        let sameRecordsAgain = true;
        const sub1 = await bus().subscribeBatch(topic, group, async (records) => {
          const seqs = records.map((r) => (isSeq(r.value) ? r.value.seq : -1));
          if (seqs.some((seq) => seq >= failFrom)) {
            if (stuckAttempts > 0 && seqs.join() !== stuck.join()) sameRecordsAgain = false;
            stuck = seqs;
            stuckAttempts++;
            throw new Error('downstream is down');
          }
          succeeded.push(...seqs);
        }, { maxRecords: 10 });
        await waitUntil(() => stuckAttempts >= 2, 'the first batch subscription to retry its stuck batch');
        await sub1.stop();
        expect(sameRecordsAgain).toBe(true);
        const firstUnfinished = stuck[0];
        expect(firstUnfinished).toBeLessThanOrEqual(failFrom);
        // At least once: a succeeded batch may come again, but nothing before the stuck batch is lost.
        expect([...new Set(succeeded)].sort((x, y) => x - y)).toEqual(Array.from({ length: firstUnfinished }, (_, i) => i));

        const second: number[] = [];
        const isFirst2 = firstDelivery();
        track(
          await bus().subscribeBatch(topic, group, async (records) => {
            for (const r of records) if (isSeq(r.value) && isFirst2(r)) second.push(r.value.seq);
          }),
        );
        await waitUntil(() => second.includes(count - 1), 'the second batch subscription to reach the last record');
        expect(second).toEqual(Array.from({ length: count - firstUnfinished }, (_, i) => firstUnfinished + i));
      });
    });

    /**
     * Poison isolation, through the guard every Leadgate consumer subscribes with (platform/bus/poison-guard.ts),
     * over this adapter. Namespaced, so the dead letters of one run have their own DLQ topic.
     */
    describe('through the poison guard', () => {
      const policy = { attempts: 4, sameFailureLimit: 2, initialMs: 10, maxMs: 50 };
      let metrics: Metrics;
      let letters: DeadLetter[];
      let guarded: Bus;

      beforeEach(async () => {
        const ns = namespacedBus(bus(), `bc${run}${Math.random().toString(36).slice(2, 6)}`);
        metrics = new Metrics();
        guarded = poisonGuardedBus(ns, { logger: pino({ level: 'silent' }), metrics, policy });
        letters = [];
        const isFirst = firstDelivery();
        track(await ns.subscribe(Topics.dlq, groupFor('dlq-reader'), async (r) => {
          if (isFirst(r)) letters.push(r.value as DeadLetter);
        }));
      });

      const econnreset = (): Error => Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });

      test('a permanent failure is dead-lettered at once with its position; later records of its key and of other keys are delivered', async () => {
        const topic = topicFor('poison');
        const [a, b] = [`poison-${run}-a`, `poison-${run}-b`];
        for (let seq = 0; seq < 5; seq++) await guarded.publish(topic, a, { run, seq });
        for (let seq = 5; seq < 10; seq++) await guarded.publish(topic, b, { run, seq });
        let poisonAttempts = 0;
        let poisonOffset = '';
        const processed = new Set<number>();
        track(await guarded.subscribe(topic, groupFor('poison'), async (r) => {
          if (!isSeq(r.value)) return;
          if (r.value.seq === 0) {
            poisonAttempts++;
            poisonOffset = r.offset;
            throw new LeadgateError('VALIDATION_FAILED', 'record 0 is bad');
          }
          processed.add(r.value.seq);
        }));
        await waitUntil(() => processed.size >= 9 && letters.length >= 1, 'nine records and one dead letter');
        expect([...processed].sort((x, y) => x - y)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
        expect(poisonAttempts).toBe(1);
        expect(letters).toHaveLength(1);
        expect(letters[0]).toMatchObject({ v: 1, code: 'VALIDATION_FAILED', sourceTopic: topic, key: a, sourceOffset: poisonOffset, attempts: 1, failure: 'permanent', record: { run, seq: 0 } });
        expect(typeof letters[0].sourcePartition).toBe('number');
        expect(await metrics.registry.getSingleMetricAsString('leadgate_bus_poison_records_total')).toMatch(/failure="permanent",action="dead_lettered"} 1/);
      });

      test('a batch with a permanent failure falls back to records: only the bad record is dead-lettered, the rest of the batch is handled', async () => {
        const topic = topicFor('batch-poison');
        const [a, b] = [`batch-poison-${run}-a`, `batch-poison-${run}-b`];
        for (let seq = 0; seq < 5; seq++) await guarded.publish(topic, a, { run, seq });
        for (let seq = 5; seq < 10; seq++) await guarded.publish(topic, b, { run, seq });
        const processed = new Set<number>();
        const perKey = new Map<string, number[]>();
        let poisonOffset = '';
        track(await guarded.subscribeBatch(topic, groupFor('batch-poison'), async (records) => {
          const bad = records.find((r) => isSeq(r.value) && r.value.seq === 0);
          if (bad) {
            poisonOffset = bad.offset;
            // The whole batch fails, as a store transaction would; the guard then retries record by record.
            throw new LeadgateError('VALIDATION_FAILED', 'record 0 is bad');
          }
          for (const r of records) {
            if (!isSeq(r.value)) continue;
            processed.add(r.value.seq);
            perKey.set(r.key, [...(perKey.get(r.key) ?? []), r.value.seq]);
          }
        }));
        await waitUntil(() => processed.size >= 9 && letters.length >= 1, 'nine records and one dead letter');
        expect([...processed].sort((x, y) => x - y)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
        expect([...new Set(perKey.get(a))]).toEqual([1, 2, 3, 4]);
        expect([...new Set(perKey.get(b))]).toEqual([5, 6, 7, 8, 9]);
        expect(letters).toHaveLength(1);
        expect(letters[0]).toMatchObject({ code: 'VALIDATION_FAILED', sourceTopic: topic, key: a, sourceOffset: poisonOffset, failure: 'permanent', record: { run, seq: 0 } });
      });

      test('a batch with a transient failure is retried as a batch and nothing is dead-lettered', async () => {
        const topic = topicFor('batch-transient');
        const key = `batch-transient-${run}`;
        for (let seq = 0; seq < 6; seq++) await guarded.publish(topic, key, { run, seq });
        let failures = 0;
        const processed: number[] = [];
        track(await guarded.subscribeBatch(topic, groupFor('batch-transient'), async (records) => {
          if (failures < 2) {
            failures++;
            throw econnreset();
          }
          for (const r of records) if (isSeq(r.value)) processed.push(r.value.seq);
        }));
        await waitUntil(() => processed.includes(5), 'the last record');
        expect([...new Set(processed)].sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5]);
        expect(failures).toBe(2);
        expect(letters).toHaveLength(0);
        expect(await metrics.registry.getSingleMetricAsString('leadgate_bus_handler_retries_total')).toMatch(/ 2$/m);
      });

      test('a transient failure is retried until it succeeds; one that persists is dead-lettered after the bound and its key moves on', async () => {
        const topic = topicFor('transient');
        const key = `transient-${run}`;
        for (let seq = 0; seq < 3; seq++) await guarded.publish(topic, key, { run, seq });
        const attempts = new Map<number, number>();
        const processed: number[] = [];
        track(await guarded.subscribe(topic, groupFor('transient'), async (r) => {
          if (!isSeq(r.value)) return;
          const n = (attempts.get(r.value.seq) ?? 0) + 1;
          attempts.set(r.value.seq, n);
          if (r.value.seq === 0 && n <= 2) throw econnreset();
          if (r.value.seq === 1) throw econnreset();
          processed.push(r.value.seq);
        }));
        await waitUntil(() => processed.includes(2) && letters.length >= 1, 'the last record and the dead letter');
        expect(processed).toEqual([0, 2]);
        expect(attempts.get(0)).toBe(3);
        expect(attempts.get(1)).toBe(policy.attempts);
        expect(letters).toHaveLength(1);
        expect(letters[0]).toMatchObject({ code: 'STORE_UNAVAILABLE', key, attempts: policy.attempts, failure: 'exhausted', record: { run, seq: 1 } });
      });

      test('an unclassified failure that repeats the same way is dead-lettered after sameFailureLimit attempts', async () => {
        const topic = topicFor('repeated');
        const key = `repeated-${run}`;
        await guarded.publish(topic, key, { run, seq: 0 });
        await guarded.publish(topic, key, { run, seq: 1 });
        let tries = 0;
        const processed: number[] = [];
        track(await guarded.subscribe(topic, groupFor('repeated'), async (r) => {
          if (!isSeq(r.value)) return;
          if (r.value.seq === 0) {
            tries++;
            throw new Error('the same odd failure');
          }
          processed.push(r.value.seq);
        }));
        await waitUntil(() => processed.includes(1) && letters.length >= 1, 'the next record and the dead letter');
        expect(tries).toBe(policy.sameFailureLimit);
        expect(letters[0]).toMatchObject({ code: 'INTERNAL', failure: 'repeated', attempts: policy.sameFailureLimit, reason: 'the same odd failure' });
      });
    });
  });
}
