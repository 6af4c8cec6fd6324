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

export interface Subscription {
  /** Stops fetching, waits for in-flight handlers, commits what finished, then resolves. */
  stop(): Promise<void>;
}

export interface SubscribeOptions {
  /** Where a brand-new consumer group starts. Default: earliest, so nothing published before a start is missed. */
  fromBeginning?: boolean;
}

/**
 * The event bus. Two adapters implement it: Kafka (kafkajs) and the embedded database log.
 *
 * Guarantees both keep:
 * - `publish` resolves only once the record is durable (Kafka: acks=all; embedded: committed and fsynced);
 *   a rejected promise means the record may not be stored and the caller must not acknowledge upstream.
 * - `subscribe` delivers at least once, in order per key; a record's position is committed only after its
 *   handler resolved. A handler that throws is retried (the record is not skipped); handlers that want to
 *   give up on a record publish it to the dead-letter topic themselves and resolve.
 */
export interface Bus {
  readonly kind: 'kafka' | 'embedded';
  publish(topic: string, key: string, value: unknown, headers?: Record<string, string>): Promise<void>;
  subscribe(topic: string, group: string, handler: BusHandler, options?: SubscribeOptions): Promise<Subscription>;
  /** True when a publish right now is expected to succeed (used by `/ready`). */
  ready(): Promise<boolean>;
  /** Flushes pending publishes, stops subscriptions, releases connections. Idempotent. */
  close(): Promise<void>;
}
