/** A record as the bus stores and delivers it. Values are JSON documents. */
export interface BusRecord<T = unknown> {
  topic: string;
  key: string;
  value: T;
  headers: Record<string, string>;
  /** Position in the log (Kafka offset within its partition, or the embedded log's sequence). */
  offset: string;
  partition: number;
  timestamp: number;
}

export type BusHandler = (record: BusRecord) => Promise<void>;

/**
 * Handles one fetched batch: records of one partition (embedded: of the topic) in log order, so the
 * records of a key come in publish order. Resolving commits the whole batch at once.
 */
export type BusBatchHandler = (records: BusRecord[]) => Promise<void>;

export interface Subscription {
  /**
   * Stops fetching, waits for in-flight handlers, commits what finished, then resolves. When `deadline`
   * aborts first, a handler still running is abandoned: its record (and the rest of its key) stays
   * uncommitted and is redelivered to the next consumer, so a hung handler cannot hold a shutdown.
   */
  stop(deadline?: AbortSignal): Promise<void>;
}

export interface SubscribeOptions {
  /** Where a brand-new consumer group starts. Default: earliest, so nothing published before a start is missed. */
  fromBeginning?: boolean;
}

export interface BatchSubscribeOptions extends SubscribeOptions {
  /** Most records handed to one batch handler call (default 500); a fetch larger than this is split. */
  maxRecords?: number;
}

/** Default of `BatchSubscribeOptions.maxRecords`. */
export const defaultBatchMaxRecords = 500;

/**
 * The event bus. Two adapters implement it: Kafka (kafkajs) and the embedded database log.
 *
 * Guarantees both keep:
 * - `publish` resolves only once the record is durable (Kafka: acks=all; embedded: committed and fsynced);
 *   a rejected promise means the record may not be stored and the caller must not acknowledge upstream.
 * - `subscribe` delivers at least once, in order per key; a record's position is committed only after its
 *   handler resolved. An adapter never skips a record: a handler that throws is retried with backoff until
 *   it resolves or the subscription stops (then the record stays uncommitted and comes back).
 *
 * Poison isolation is layered on top, not left to each handler: Leadgate's consumers subscribe through
 * `poisonGuardedBus` (poison-guard.ts), which classifies a handler error (failure-class.ts), dead-letters
 * permanent ones at once and transient ones after a bounded retry (`bus.poison`), and then resolves. So a
 * guarded handler throws to the adapter only when the dead-letter publish itself fails (the bus is down,
 * and nothing else could proceed either); no record holds its key longer than the bounded retry, and other
 * keys of its batch run on meanwhile (keys are processed concurrently; the next batch of the partition
 * waits at most that bound).
 */
export interface Bus {
  readonly kind: 'kafka' | 'embedded';
  publish(topic: string, key: string, value: unknown, headers?: Record<string, string>): Promise<void>;
  subscribe(topic: string, group: string, handler: BusHandler, options?: SubscribeOptions): Promise<Subscription>;
  /**
   * Like `subscribe`, but the handler receives a fetched batch and the batch's position is committed
   * once, after the handler resolved. A throwing batch handler is retried (the whole batch, same records)
   * with backoff until it resolves or the subscription stops; `poisonGuardedBus` bounds that and falls
   * back to per-record handling so only a bad record is dead-lettered (poison-guard.batch.ts).
   */
  subscribeBatch(topic: string, group: string, handler: BusBatchHandler, options?: BatchSubscribeOptions): Promise<Subscription>;
  /** True when a publish right now is expected to succeed (used by `/ready`). */
  ready(): Promise<boolean>;
  /** Flushes pending publishes, stops subscriptions, releases connections. Idempotent. */
  close(): Promise<void>;
}
