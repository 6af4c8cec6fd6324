import kafkajs from 'kafkajs';
import type { Kafka, Message, Producer, TopicMessages } from 'kafkajs';
import { LeadgateError } from '../../contracts/errors.js';
import type { Logger } from '../telemetry/logger.js';
import { toBusUnavailable, withTimeout } from './kafka-client.js';
import type { KafkaTopicRegistry } from './kafka-topics.js';

const { Partitioners } = kafkajs;

/** Per-record framing overhead in a Kafka record batch, rounded up; only used to keep requests under the cap. */
const recordOverheadBytes = 70;

export interface ProducerBatcherOptions {
  kafka: Kafka;
  topics: KafkaTopicRegistry;
  logger: Logger;
  /** Most records in one produce request. */
  maxBatchMessages: number;
  /**
   * Most bytes in one produce request. The broker's default `message.max.bytes` (1 MiB) applies per
   * partition batch and we cannot know how keys spread over partitions, so the safe cap is below 1 MiB total.
   */
  maxBatchBytes: number;
  /** A publish rejects with BUS_UNAVAILABLE when its batch is not acknowledged within this time. */
  publishTimeoutMs: number;
}

/** Counters for metrics and tests: how well group commit is working. */
export interface ProducerBatcherStats {
  batches: number;
  messages: number;
  failedBatches: number;
  largestBatch: number;
}

interface Pending {
  topic: string;
  message: Message;
  bytes: number;
  resolve(): void;
  reject(err: unknown): void;
}

interface ProducerSlot {
  producer: Producer;
  ready: Promise<Producer>;
  connected: boolean;
}

/**
 * Group commit for kafkajs: publishes queue up while one produce request is in flight and then leave
 * together in the next `sendBatch`, so throughput is bounded by request size, not by round trips.
 * Each publish settles with the request that carried it.
 */
export class KafkaProducerBatcher {
  private readonly queue: Pending[] = [];
  private draining: Promise<void> | null = null;
  private slot: ProducerSlot | null = null;
  private closed = false;
  private readonly counters: ProducerBatcherStats = { batches: 0, messages: 0, failedBatches: 0, largestBatch: 0 };

  constructor(private readonly options: ProducerBatcherOptions) {}

  get connected(): boolean {
    return this.slot?.connected ?? false;
  }

  stats(): Readonly<ProducerBatcherStats> {
    return { ...this.counters };
  }

  publish(topic: string, key: string, value: unknown, headers: Record<string, string> = {}): Promise<void> {
    if (this.closed) {
      return Promise.reject(new LeadgateError('BUS_UNAVAILABLE', 'the Kafka bus is closed', { retriable: false }));
    }
    let serialized: string;
    try {
      serialized = JSON.stringify(value);
    } catch (err) {
      return Promise.reject(new LeadgateError('VALIDATION_FAILED', 'bus value is not JSON-serializable', { cause: err }));
    }
    let bytes = Buffer.byteLength(key) + Buffer.byteLength(serialized) + recordOverheadBytes;
    for (const [name, v] of Object.entries(headers)) bytes += Buffer.byteLength(name) + Buffer.byteLength(v);
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ topic, message: { key, value: serialized, headers: { ...headers } }, bytes, resolve, reject });
      this.schedule();
    });
  }

  /** Connects a producer now if none is connected; rejects after `timeoutMs`. */
  async connect(timeoutMs: number): Promise<void> {
    if (this.closed) throw new LeadgateError('BUS_UNAVAILABLE', 'the Kafka bus is closed', { retriable: false });
    await withTimeout(this.producer(), timeoutMs, () => new LeadgateError('BUS_UNAVAILABLE', `Kafka producer not connected within ${timeoutMs} ms`));
  }

  /** Sends what is queued, then refuses new publishes and disconnects. Idempotent. */
  async close(): Promise<void> {
    this.closed = true;
    while (this.draining) await this.draining;
    const slot = this.slot;
    this.slot = null;
    if (slot) await slot.producer.disconnect().catch(() => undefined);
  }

  private schedule(): void {
    if (this.draining) return;
    this.draining = this.drain().finally(() => {
      this.draining = null;
      if (this.queue.length > 0) this.schedule();
    });
  }

  private async drain(): Promise<void> {
    // One macrotask of patience lets publishes issued in the same tick share the first request.
    await new Promise<void>((resolve) => setImmediate(resolve));
    while (this.queue.length > 0) await this.send(this.take());
  }

  private take(): Pending[] {
    const { maxBatchMessages, maxBatchBytes } = this.options;
    let bytes = 0;
    let n = 0;
    // A single oversized record still goes alone, so the broker (not us) decides whether it fits.
    while (n < this.queue.length && n < maxBatchMessages && (n === 0 || bytes + this.queue[n].bytes <= maxBatchBytes)) {
      bytes += this.queue[n].bytes;
      n++;
    }
    return this.queue.splice(0, n);
  }

  private async send(batch: Pending[]): Promise<void> {
    const { publishTimeoutMs, logger } = this.options;
    const byTopic = new Map<string, Message[]>();
    for (const p of batch) {
      const list = byTopic.get(p.topic) ?? [];
      list.push(p.message);
      byTopic.set(p.topic, list);
    }
    const topicMessages: TopicMessages[] = [...byTopic].map(([topic, messages]) => ({ topic, messages }));
    let timedOut = false;
    const attempt = async (): Promise<void> => {
      await this.options.topics.ensure([...byTopic.keys()]);
      const producer = await this.producer();
      // After a timeout the callers already got their rejection; sending now would only surprise them.
      if (timedOut) return;
      await producer.sendBatch({ topicMessages, acks: -1 });
    };
    try {
      await withTimeout(attempt(), publishTimeoutMs, () => {
        timedOut = true;
        return new LeadgateError('BUS_UNAVAILABLE', `Kafka did not acknowledge the publish within ${publishTimeoutMs} ms`);
      });
      this.counters.batches++;
      this.counters.messages += batch.length;
      this.counters.largestBatch = Math.max(this.counters.largestBatch, batch.length);
      for (const p of batch) p.resolve();
    } catch (err) {
      this.counters.failedBatches++;
      // A kafkajs producer can stay wedged after a failed or abandoned request (stale idempotence
      // sequence, half-open socket): start the next batch on a fresh one.
      this.discardProducer();
      const error = toBusUnavailable(err, 'Kafka publish failed');
      logger.warn({ err: error, records: batch.length }, 'bus.publish.failed');
      for (const p of batch) p.reject(error);
    }
  }

  private producer(): Promise<Producer> {
    if (this.slot) return this.slot.ready;
    const producer = this.options.kafka.producer({
      idempotent: true,
      // kafkajs only guarantees idempotent ordering with one request in flight per broker.
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
      // Bounded on purpose (kafkajs would retry an idempotent send forever): an abandoned send must end,
      // and a rejected publish being retried by the caller is the at-least-once the bus promises anyway.
      retry: { initialRetryTime: 100, maxRetryTime: 1_000, retries: 6 },
    });
    const slot: ProducerSlot = { producer, ready: producer.connect().then(() => producer), connected: false };
    this.slot = slot;
    slot.ready.then(
      () => {
        slot.connected = true;
      },
      () => {
        if (this.slot === slot) this.slot = null;
        producer.disconnect().catch(() => undefined);
      },
    );
    return slot.ready;
  }

  private discardProducer(): void {
    const slot = this.slot;
    this.slot = null;
    if (!slot) return;
    slot.connected = false;
    slot.ready.then(() => slot.producer.disconnect()).catch(() => undefined);
  }
}
