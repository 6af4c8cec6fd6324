import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { LeadgateError } from '../../contracts/errors.js';
import type { Logger } from '../telemetry/logger.js';
import type { Store } from '../store/store.port.js';
import { defaultBatchMaxRecords, type BatchSubscribeOptions, type Bus, type BusBatchHandler, type BusHandler, type SubscribeOptions, type Subscription } from './bus.port.js';
import { LogBusPublisher, type PublisherStats } from './log-bus-publisher.js';
import { LogSubscription, type LogSubscriptionOptions } from './log-bus-subscription.js';

export interface LogBusOptions {
  logger: Logger;
  /** How often a subscription looks for records written by other processes. Default 200 ms. */
  pollIntervalMs?: number;
  /** Records fetched per poll. Default 500. */
  batchSize?: number;
  /** First wait before a failed handler is retried (then exponential, capped at 30 s). Default 100 ms. */
  handlerRetryInitialMs?: number;
  /** Keys processed concurrently within a batch. Default 16. */
  keyConcurrency?: number;
  /** Consumer lease length; a crashed consumer's group is taken over after this. Default 10 s. */
  leaseMs?: number;
  /** Records older than this that every group has passed are deleted. Default 1 h. */
  retentionMs?: number;
  /** How often retention runs. Default 60 s. */
  retentionIntervalMs?: number;
}

/** The embedded bus plus what tests and `/metrics` want to see of it. */
export interface LogBus extends Bus {
  stats(): PublisherStats;
  /** Runs one retention pass now; returns the number of records deleted. */
  purge(): Promise<number>;
}

/** Prefixed so a topic named `error` is not taken for EventEmitter's special event. */
const eventFor = (topic: string): string => `topic:${topic}`;

const leasesCleared = new WeakMap<Store, Promise<void>>();

/**
 * PGlite's data directory belongs to one process, so leases found when this process first uses the
 * store were left by a crashed predecessor: clear them instead of making a restart wait for them to
 * expire. Once per store object, so a second bus on the same store does not steal live leases.
 */
function clearStaleLeases(store: Store, logger: Logger): Promise<void> {
  if (store.kind !== 'embedded') return Promise.resolve();
  let cleared = leasesCleared.get(store);
  if (cleared === undefined) {
    cleared = store.query('delete from bus_consumers').then(
      () => undefined,
      (err: unknown) => void logger.warn({ err }, 'bus.lease_clear_failed'),
    );
    leasesCleared.set(store, cleared);
  }
  return cleared;
}

/** Bounds one retention pass so it never holds the single PGlite connection for long. */
const PURGE_LIMIT = 10_000;

/**
 * The bus as a durable log inside the store (PGlite embedded, or PostgreSQL), with the same contract
 * as the Kafka adapter (see bus.port.ts). `publish` resolves after the group-commit transaction that
 * holds the record committed (on PGlite: and its WAL was fsynced). Subscriptions are at least once, in
 * order per key, one active consumer per (group, topic). `close()` does not close the store: its owner does.
 */
export function createLogBus(store: Store, options: LogBusOptions): LogBus {
  const { logger } = options;
  const published = new EventEmitter();
  published.setMaxListeners(0);
  const publisher = new LogBusPublisher(store, logger, (topics) => {
    for (const topic of topics) published.emit(eventFor(topic));
  });
  const subscriptions = new Set<LogSubscription>();
  let closing: Promise<void> | undefined;
  let accepting = true;
  let purging = false;

  const cleared = clearStaleLeases(store, logger);

  const purge = async (): Promise<number> => {
    const rows = await store.query<{ n: number }>(
      `with horizon as (select topic, min(seq) as seq from bus_offsets group by topic),
       doomed as (
         select l.seq from bus_log l join horizon h on h.topic = l.topic
         where l.seq <= h.seq and l.created_at < now() - $1 * interval '1 millisecond'
         limit $2
       )
       delete from bus_log where seq in (select seq from doomed) returning 1 as n`,
      [options.retentionMs ?? 3_600_000, PURGE_LIMIT],
    );
    return rows.length;
  };

  const retention = setInterval(() => {
    if (purging) return;
    purging = true;
    purge()
      .then((n) => n > 0 && logger.debug({ deleted: n }, 'bus.retention'))
      .catch((err: unknown) => logger.warn({ err }, 'bus.retention_failed'))
      .finally(() => {
        purging = false;
      });
  }, options.retentionIntervalMs ?? 60_000);
  retention.unref();

  /** One subscription, per record or per batch (log-bus-subscription.ts). */
  const start = async (topic: string, group: string, handler: LogSubscriptionOptions['handler'], subscribeOptions: SubscribeOptions): Promise<Subscription> => {
    if (closing !== undefined) throw new LeadgateError('BUS_UNAVAILABLE', 'The bus is closed', { retriable: false });
    await cleared;
    const subscription = new LogSubscription({
      store,
      logger,
      topic,
      group,
      handler,
      owner: randomUUID(),
      fromBeginning: subscribeOptions.fromBeginning ?? true,
      // A batch subscription fetches at least a whole batch handler call's worth.
      batchSize: Math.max(options.batchSize ?? 500, typeof handler === 'function' ? 0 : handler.maxRecords),
      pollIntervalMs: options.pollIntervalMs ?? 200,
      leaseMs: options.leaseMs ?? 10_000,
      keyConcurrency: options.keyConcurrency ?? 16,
      retryInitialMs: options.handlerRetryInitialMs ?? 100,
    });
    const wake = (): void => subscription.wake();
    await subscription.start();
    published.on(eventFor(topic), wake);
    subscriptions.add(subscription);
    return {
      stop: async (deadline?: AbortSignal) => {
        published.off(eventFor(topic), wake);
        await subscription.stop(deadline);
        subscriptions.delete(subscription);
      },
    };
  };

  return {
    kind: 'embedded',
    publish(topic: string, key: string, value: unknown, headers: Record<string, string> = {}): Promise<void> {
      if (!accepting) return Promise.reject(new LeadgateError('BUS_UNAVAILABLE', 'The bus is closed', { retriable: true }));
      return publisher.publish(topic, key, value, headers);
    },

    subscribe: (topic: string, group: string, handler: BusHandler, subscribeOptions: SubscribeOptions = {}) => start(topic, group, handler, subscribeOptions),

    subscribeBatch: (topic: string, group: string, handler: BusBatchHandler, subscribeOptions: BatchSubscribeOptions = {}) =>
      start(topic, group, { batch: handler, maxRecords: subscribeOptions.maxRecords ?? defaultBatchMaxRecords }, subscribeOptions),

    async ready(): Promise<boolean> {
      return closing === undefined && (await store.ready());
    },

    close(): Promise<void> {
      closing ??= (async () => {
        clearInterval(retention);
        // Subscriptions stop first, while publishes are still accepted: a handler finishing its record
        // may publish (next stage, dead letters) and must not fail only because the bus is closing.
        await Promise.all([...subscriptions].map((s) => s.stop()));
        subscriptions.clear();
        published.removeAllListeners();
        accepting = false;
        // Publishes accepted before this point still get their commit (or their rejection).
        await publisher.drained();
      })();
      return closing;
    },

    stats: () => ({ ...publisher.stats }),
    purge,
  };
}
