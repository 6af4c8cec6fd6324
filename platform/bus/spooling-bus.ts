import { LeadgateError } from '../../contracts/errors.js';
import { openStore } from '../store/open-store.js';
import type { Store } from '../store/store.port.js';
import type { Logger } from '../telemetry/logger.js';
import type { Metrics } from '../telemetry/metrics.js';
import type { Bus, BusRecord, Subscription } from './bus.port.js';
import { withTimeout } from './kafka-client.js';
import { createLogBus, type LogBus } from './log-bus.js';
import { SpoolHealthGate } from './spool-health.js';

export interface SpoolingBusOptions {
  /** The bus records finally belong on (Kafka, possibly namespaced). Subscriptions go straight to it. */
  target: Bus;
  /** Topics that are spooled during an outage (the gateway's raw topic); others pass straight through. */
  topics: readonly string[];
  /** PGlite directory of the spool; one per gateway process (PGlite is single-process). */
  dataDir: string;
  /** Spooled records not yet forwarded above which publishes reject with BUS_UNAVAILABLE. */
  maxRecords: number;
  logger: Logger;
  metrics?: Metrics;
  /** A direct publish not acknowledged within this goes to the spool instead (default 1,500 ms). */
  switchAfterMs?: number;
  /** While Kafka is down, how often its readiness is probed (default 1,000 ms). */
  probeIntervalMs?: number;
  /** Retry-After given with a spool-full rejection (default 5 s). */
  retryAfterSec?: number;
}

/** The spooling bus plus what tests and operators want to see of it. */
export interface SpoolingBus extends Bus {
  spoolStats(): { spooling: boolean; depth: number; kafkaHealthy: boolean };
}

const FORWARDER_GROUP = 'spool-forwarder';

async function countUnforwarded(store: Store, topics: readonly string[]): Promise<number> {
  let total = 0;
  for (const topic of topics) {
    const [row] = await store.query<{ n: string }>(
      `select count(*)::text as n from bus_log
       where topic = $1 and seq > coalesce((select seq from bus_offsets where grp = $2 and topic = $1), 0)`,
      [topic, FORWARDER_GROUP],
    );
    total += Number(row?.n ?? 0);
  }
  return total;
}

async function oldestUnforwardedMs(store: Store, topics: readonly string[]): Promise<number | undefined> {
  let oldest: number | undefined;
  for (const topic of topics) {
    const [row] = await store.query<{ ts: number | null }>(
      `select (extract(epoch from min(created_at)) * 1000)::float8 as ts from bus_log
       where topic = $1 and seq > coalesce((select seq from bus_offsets where grp = $2 and topic = $1), 0)`,
      [topic, FORWARDER_GROUP],
    );
    if (row?.ts != null && (oldest === undefined || row.ts < oldest)) oldest = row.ts;
  }
  return oldest;
}

/**
 * Keeps the gateway accepting webhooks while Kafka is unreachable: publishes on the spooled topics go to
 * a local durable log (the embedded bus over PGlite) and a forwarder moves them to Kafka once it is back.
 *
 * Guarantees:
 * - `publish` resolves once the record is durable either in Kafka (acks=all) or in the spool (committed
 *   and fsynced); it rejects with BUS_UNAVAILABLE (retriable, `retryAfterSec` in details) only when the
 *   spool holds `maxRecords` unforwarded records or cannot write.
 * - Order: once one publish is spooled, every publish on a spooled topic goes through the spool until it
 *   is drained, and the forwarder keeps per-key order; the spool's position advances only after Kafka
 *   acknowledged, so a crash re-forwards (at least once: the normalizer drops the duplicate by event key).
 *   A direct publish that timed out may still land in Kafka as well as in the spool: the same duplicate.
 * - Spooled records survive `kill -9` and are forwarded after the next start; `close` does not wait for
 *   the spool to drain.
 */
export async function createSpoolingBus(options: SpoolingBusOptions): Promise<SpoolingBus> {
  const { target, logger: parentLogger, metrics } = options;
  const logger = parentLogger.child({ component: 'bus.spool' });
  const spooled = new Set(options.topics);
  const switchAfterMs = options.switchAfterMs ?? 1_500;
  const retryAfterSec = options.retryAfterSec ?? 5;
  const store = await openStore({ kind: 'embedded', dataDir: options.dataDir }, logger);
  // Wide key concurrency: raw keys are nearly all distinct, and concurrent forwards share Kafka requests.
  const spool: LogBus = createLogBus(store, { logger, pollIntervalMs: 500, batchSize: 2_000, keyConcurrency: 256, handlerRetryInitialMs: 100, retentionMs: 60_000 });
  const gate = new SpoolHealthGate(() => target.ready(), options.probeIntervalMs ?? 1_000, logger);
  let depth = await countUnforwarded(store, options.topics);
  // Leftovers from before a crash are older than anything new: keep spooling until they are forwarded.
  let spooling = depth > 0;
  let closing: Promise<void> | undefined;
  if (spooling) logger.warn({ depth }, 'bus.spool.resume');

  const publishGauge = (): void => {
    metrics?.spoolDepth.set(depth);
    if (depth === 0) metrics?.spoolOldestAge.set(0);
  };
  publishGauge();
  let ageRunning = false;
  const ageTimer = setInterval(() => {
    if (depth === 0 || ageRunning || metrics === undefined) return;
    ageRunning = true;
    oldestUnforwardedMs(store, options.topics)
      .then((ts) => metrics.spoolOldestAge.set(ts === undefined ? 0 : Math.max(0, (Date.now() - ts) / 1000)))
      .catch((err: unknown) => logger.debug({ err }, 'bus.spool.age_failed'))
      .finally(() => {
        ageRunning = false;
      });
  }, 1_000);
  ageTimer.unref();

  const forward = async (record: BusRecord): Promise<void> => {
    await gate.waitHealthy();
    try {
      await target.publish(record.topic, record.key, record.value, record.headers);
    } catch (err) {
      gate.markDown();
      throw err;
    }
    depth = Math.max(0, depth - 1);
    // Nothing spooled and nothing being spooled: new publishes may go straight to Kafka again.
    if (depth === 0 && spooling) {
      spooling = false;
      logger.warn({ event: 'bus.spool.drained' }, 'spool drained: publishing to Kafka directly');
    }
    publishGauge();
  };
  const forwarders: Subscription[] = [];
  for (const topic of options.topics) forwarders.push(await spool.subscribe(topic, FORWARDER_GROUP, forward));

  const toSpool = async (topic: string, key: string, value: unknown, headers: Record<string, string>): Promise<void> => {
    if (closing !== undefined) throw new LeadgateError('BUS_UNAVAILABLE', 'the spooling bus is closed', { retriable: true, details: { retryAfterSec } });
    if (depth >= options.maxRecords) {
      throw new LeadgateError('BUS_UNAVAILABLE', `Kafka unreachable and the local spool is full (${options.maxRecords} records)`, {
        retriable: true,
        details: { retryAfterSec, spoolFull: true },
      });
    }
    spooling = true;
    // Counted before the write commits, so a drain cannot end spooling mode under a record still on its way in.
    depth++;
    publishGauge();
    try {
      await spool.publish(topic, key, value, headers);
    } catch (cause) {
      depth = Math.max(0, depth - 1);
      publishGauge();
      throw new LeadgateError('BUS_UNAVAILABLE', 'Kafka unreachable and the local spool could not store the event', { cause, retriable: true, details: { retryAfterSec } });
    }
  };

  const direct = async (topic: string, key: string, value: unknown, headers: Record<string, string>): Promise<void> => {
    try {
      await withTimeout(target.publish(topic, key, value, headers), switchAfterMs, () => new LeadgateError('BUS_UNAVAILABLE', `Kafka did not acknowledge within ${switchAfterMs} ms`));
    } catch (err) {
      // A record Kafka itself refused (too large, not authorized) would be refused again after spooling.
      if (err instanceof LeadgateError && !err.retriable) throw err;
      gate.markDown();
      await toSpool(topic, key, value, headers);
    }
  };

  return {
    kind: target.kind,
    publish(topic, key, value, headers = {}) {
      if (!spooled.has(topic)) return target.publish(topic, key, value, headers);
      if (spooling || !gate.healthy) return toSpool(topic, key, value, headers);
      return direct(topic, key, value, headers);
    },
    subscribe: (topic, group, handler, subscribeOptions) => target.subscribe(topic, group, handler, subscribeOptions),
    subscribeBatch: (topic, group, handler, subscribeOptions) => target.subscribeBatch(topic, group, handler, subscribeOptions),
    async ready() {
      if (closing !== undefined) return false;
      // Spool room is enough to accept webhooks; the probe keeps Kafka's own state fresh.
      return depth < options.maxRecords && (await store.ready());
    },
    close() {
      closing ??= (async () => {
        clearInterval(ageTimer);
        // Rejects the forwards waiting for Kafka, so the forwarders can stop.
        gate.close();
        await Promise.all(forwarders.map((f) => f.stop().catch(() => undefined)));
        await spool.close();
        await store.close();
        await target.close();
      })();
      return closing;
    },
    spoolStats: () => ({ spooling, depth, kafkaHealthy: gate.healthy }),
  };
}
