import type { Admin } from 'kafkajs';
import { allTopics } from '../../contracts/topics.js';
import { LeadgateError } from '../../contracts/errors.js';
import { defaultBatchMaxRecords, type BatchSubscribeOptions, type Bus, type BusBatchHandler, type BusHandler, type SubscribeOptions, type Subscription } from './bus.port.js';
import type { Logger } from '../telemetry/logger.js';
import { sharedAbortController } from '../retry.js';
import { createKafkaClient, toBusUnavailable, withTimeout } from './kafka-client.js';
import { createKafkaTopicRegistry } from './kafka-topics.js';
import { KafkaProducerBatcher, type ProducerBatcherStats } from './kafka-producer-batcher.js';
import { startKafkaSubscription, type BatchDelivery } from './kafka-consumer.js';

export interface KafkaBusOptions {
  /** `host:port` seeds; use 127.0.0.1 rather than localhost, which may resolve to ::1 first. */
  brokers: string[];
  clientId?: string;
  /** Partitions of topics the bus creates (default 12). Existing topics are left as they are. */
  partitions?: number;
  /** Replication of topics the bus creates (default 1, for a single broker; use 3 in production). */
  replicationFactor?: number;
  logger: Logger;
  /** A publish not acknowledged by then rejects with BUS_UNAVAILABLE (default 10 s). */
  publishTimeoutMs?: number;
  /** Limit for connecting and creating the standard topics in `createKafkaBus` (default 15 s). */
  startTimeoutMs?: number;
  /**
   * When true, `createKafkaBus` returns even if the broker is unreachable: publishes then reject with
   * BUS_UNAVAILABLE (the gateway answers 503) and the bus connects once the broker is back. Default false:
   * an unreachable broker makes `createKafkaBus` reject with BUS_UNAVAILABLE.
   */
  allowStartWithoutBroker?: boolean;
  /** Group commit caps per produce request (defaults 2,000 records, 900 KB). */
  maxBatchMessages?: number;
  maxBatchBytes?: number;
  /** Key groups of one fetched batch handled concurrently per subscription (default 64). */
  keyConcurrency?: number;
  /** Partitions processed concurrently per subscription (default 4). */
  partitionsConsumedConcurrently?: number;
  /** Backoff bounds for handler retries (defaults 200 ms .. 30 s). */
  handlerRetryInitialMs?: number;
  handlerRetryMaxMs?: number;
  /** Consumer fetch long-poll wait, the idle delivery latency (default 200 ms). */
  fetchMaxWaitMs?: number;
  /**
   * Consumer group session timeout (default 10 s): a crashed member's partitions, and after a broker
   * restart the whole group, wait this long before they are consumed again. Long handlers are safe, the
   * consumer heartbeats while a batch runs.
   */
  sessionTimeoutMs?: number;
}

/** The Kafka bus plus counters the adapter exposes for metrics. */
export interface KafkaBus extends Bus {
  readonly kind: 'kafka';
  producerStats(): Readonly<ProducerBatcherStats>;
}

/**
 * Connects to Kafka, creates the standard topics (contracts/topics.ts) when missing, and returns the bus.
 *
 * Lifecycle: `publish` group-commits through one idempotent producer (acks=all) and resolves once the
 * request carrying the record is acknowledged; it rejects with BUS_UNAVAILABLE within `publishTimeoutMs`
 * when the broker is unreachable, and the next publish starts over on a fresh producer. Topics other than
 * the standard ones are created on first publish or subscribe. Each `subscribe` runs its own consumer
 * (see startKafkaSubscription for delivery rules). `close` flushes, stops subscriptions and disconnects.
 */
export async function createKafkaBus(options: KafkaBusOptions): Promise<KafkaBus> {
  const logger = options.logger.child({ component: 'bus.kafka' });
  const publishTimeoutMs = options.publishTimeoutMs ?? 10_000;
  const startTimeoutMs = options.startTimeoutMs ?? 15_000;
  const kafka = createKafkaClient({
    brokers: options.brokers,
    clientId: options.clientId ?? 'leadgate',
    logger,
    connectionTimeoutMs: 3_000,
    requestTimeoutMs: Math.max(publishTimeoutMs, 5_000),
  });
  const admin: Admin = kafka.admin({ retry: { initialRetryTime: 100, maxRetryTime: 2_000, retries: 5 } });
  const lifetime = sharedAbortController();
  const topics = createKafkaTopicRegistry({
    admin,
    signal: lifetime.signal,
    partitions: options.partitions ?? 12,
    replicationFactor: options.replicationFactor ?? 1,
    logger,
  });
  const producer = new KafkaProducerBatcher({
    kafka,
    topics,
    logger,
    maxBatchMessages: options.maxBatchMessages ?? 2_000,
    maxBatchBytes: options.maxBatchBytes ?? 900_000,
    publishTimeoutMs,
  });

  try {
    await withTimeout(
      (async () => {
        await admin.connect();
        await topics.ensure(allTopics);
        await producer.connect(startTimeoutMs);
      })(),
      startTimeoutMs,
      () => new LeadgateError('BUS_UNAVAILABLE', `Kafka at ${options.brokers.join(',')} not reachable within ${startTimeoutMs} ms`),
    );
  } catch (err) {
    const error = toBusUnavailable(err, `Kafka at ${options.brokers.join(',')} not reachable`);
    if (!options.allowStartWithoutBroker) {
      lifetime.abort(error);
      await producer.close();
      await admin.disconnect().catch(() => undefined);
      throw error;
    }
    logger.warn({ err: error }, 'bus.start.degraded');
  }

  const subscriptions = new Set<Subscription>();
  let closing: Promise<void> | null = null;

  /** One consumer, per record or per batch (kafka-consumer.ts). */
  const start = async (topic: string, group: string, handler: BusHandler | BatchDelivery, subscribeOptions: SubscribeOptions): Promise<Subscription> => {
    if (closing) throw new LeadgateError('BUS_UNAVAILABLE', 'the Kafka bus is closed', { retriable: false });
    try {
      await topics.ensure([topic]);
      const subscription = await startKafkaSubscription({
        kafka,
        topic,
        group,
        handler,
        fromBeginning: subscribeOptions.fromBeginning ?? true,
        logger,
        keyConcurrency: options.keyConcurrency ?? 64,
        partitionsConsumedConcurrently: options.partitionsConsumedConcurrently ?? 4,
        retryInitialMs: options.handlerRetryInitialMs ?? 200,
        retryMaxMs: options.handlerRetryMaxMs ?? 30_000,
        maxWaitTimeMs: options.fetchMaxWaitMs ?? 200,
        sessionTimeoutMs: options.sessionTimeoutMs ?? 10_000,
      });
      const tracked: Subscription = {
        async stop(deadline?: AbortSignal) {
          await subscription.stop(deadline);
          subscriptions.delete(tracked);
        },
      };
      subscriptions.add(tracked);
      return tracked;
    } catch (err) {
      throw toBusUnavailable(err, `cannot subscribe to ${topic} as ${group}`);
    }
  };

  return {
    kind: 'kafka',

    publish(topic, key, value, headers) {
      return producer.publish(topic, key, value, headers);
    },

    subscribe: (topic: string, group: string, handler: BusHandler, subscribeOptions: SubscribeOptions = {}) => start(topic, group, handler, subscribeOptions),

    subscribeBatch: (topic: string, group: string, handler: BusBatchHandler, subscribeOptions: BatchSubscribeOptions = {}) =>
      start(topic, group, { batch: handler, maxRecords: subscribeOptions.maxRecords ?? defaultBatchMaxRecords }, subscribeOptions),

    async ready() {
      const checkMs = Math.min(publishTimeoutMs, 3_000);
      try {
        // Connecting here too lets a /ready probe heal a producer discarded after an outage.
        await producer.connect(checkMs);
        await withTimeout(admin.describeCluster(), checkMs, () => new Error('describeCluster timed out'));
        return producer.connected;
      } catch {
        return false;
      }
    },

    close() {
      closing ??= (async () => {
        await producer.close();
        lifetime.abort(new Error('bus closed'));
        await Promise.all([...subscriptions].map((s) => s.stop()));
        await admin.disconnect().catch(() => undefined);
      })();
      return closing;
    },

    producerStats: () => producer.stats(),
  };
}
