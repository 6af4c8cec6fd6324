import type { Consumer, EachBatchPayload, IHeaders, Kafka, KafkaMessage } from 'kafkajs';
import type { BusBatchHandler, BusHandler, BusRecord, Subscription } from './bus.port.js';
import { retry, sharedAbortController, unlessAborted } from '../retry.js';
import type { Logger } from '../telemetry/logger.js';

export interface KafkaSubscriptionOptions {
  kafka: Kafka;
  topic: string;
  group: string;
  /** Either one record at a time (keys concurrently), or `batch`: the fetched batch in slices. */
  handler: BusHandler | BatchDelivery;
  fromBeginning: boolean;
  logger: Logger;
  /** Key groups of one batch handled at once; records of one key always run one after another. */
  keyConcurrency: number;
  /** Partitions whose batches are processed at once (each partition's batches stay sequential). */
  partitionsConsumedConcurrently: number;
  /**
   * Backoff for a throwing handler: it is retried with these bounds until it succeeds or the subscription
   * stops. Leadgate's handlers are wrapped by the poison guard (bus.port.ts), which throws only when it
   * cannot even dead-letter, so this loop is what waits out a broker outage.
   */
  retryInitialMs: number;
  retryMaxMs: number;
  /** How long the broker waits for data before answering an empty fetch; bounds idle delivery latency. */
  maxWaitTimeMs: number;
  sessionTimeoutMs: number;
}

/** A batch subscription's handler and the largest slice of a fetched batch it is given. */
export interface BatchDelivery {
  batch: BusBatchHandler;
  maxRecords: number;
}

/**
 * One kafkajs consumer for one (topic, group). Delivery is at least once and in order per key:
 * a batch is split by key, keys run concurrently, records of a key sequentially; offsets are committed
 * only up to the first record whose handler has not succeeded, so nothing is ever skipped.
 *
 * Values are parsed as JSON. A record whose value is not JSON reaches the handler with `value` set to the
 * raw string (and `null` for a tombstone), so the handler can dead-letter it instead of the consumer dying.
 */
export async function startKafkaSubscription(options: KafkaSubscriptionOptions): Promise<Subscription> {
  const { kafka, topic, group, logger } = options;
  const log = logger.child({ topic, group });
  const stopping = new AbortController();
  // Aborted at the stop deadline: a running handler is no longer waited for, its record stays uncommitted.
  const cut = sharedAbortController();
  const consumer: Consumer = kafka.consumer({
    groupId: group,
    allowAutoTopicCreation: false,
    maxWaitTimeInMs: options.maxWaitTimeMs,
    sessionTimeout: options.sessionTimeoutMs,
    heartbeatInterval: Math.max(300, Math.min(3_000, Math.floor(options.sessionTimeoutMs / 10))),
    retry: { initialRetryTime: 300, maxRetryTime: 5_000, retries: 10 },
  });
  consumer.on(consumer.events.CRASH, (event) => {
    log.warn({ err: event.payload.error, restart: event.payload.restart }, 'bus.consumer.crash');
  });

  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: options.fromBeginning });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: options.partitionsConsumedConcurrently,
      eachBatch: (payload) => processBatch(payload, options, { stop: stopping.signal, cut: cut.signal }, log),
    });
  } catch (err) {
    await consumer.disconnect().catch(() => undefined);
    throw err;
  }

  let stopped: Promise<void> | null = null;
  return {
    stop(deadline?: AbortSignal) {
      const cutNow = (): void => cut.abort(deadline?.reason);
      if (deadline?.aborted) cutNow();
      else deadline?.addEventListener('abort', cutNow, { once: true });
      stopped ??= (async () => {
        // Aborting ends handler retries (not running handlers, unless the deadline passes); kafkajs then
        // waits for the batch, which commits the finished prefix before it returns, and disconnect leaves
        // the group.
        stopping.abort(new Error('subscription stopped'));
        await consumer.stop();
        await consumer.disconnect();
        deadline?.removeEventListener('abort', cutNow);
      })();
      return stopped;
    },
  };
}

async function processBatch(
  payload: EachBatchPayload,
  options: KafkaSubscriptionOptions,
  signals: { stop: AbortSignal; cut: AbortSignal },
  log: Logger,
): Promise<void> {
  const stopSignal = signals.stop;
  const { batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, uncommittedOffsets, isRunning, isStale } = payload;
  const messages = batch.messages;
  if (messages.length === 0) return;

  // Ends this batch early: the subscription stops, or the group membership is in doubt (a heartbeat failed,
  // e.g. a rebalance), in which case unfinished records are left to whoever owns the partition next.
  const batchAbort = sharedAbortController();
  const onStop = (): void => batchAbort.abort(stopSignal.reason);
  if (stopSignal.aborted) return;
  stopSignal.addEventListener('abort', onStop, { once: true });
  let heartbeatError: unknown;
  // kafkajs throttles heartbeat() to its interval, so calling it often is cheap; it keeps slow handlers
  // (a CRM retrying for minutes) from costing the partition.
  const beat = setInterval(() => {
    heartbeat().catch((err: unknown) => {
      heartbeatError ??= err;
      batchAbort.abort(err);
    });
  }, 1_000);

  const done = new Array<boolean>(messages.length).fill(false);
  const keyGroups = new Map<string, number[]>();
  messages.forEach((m, i) => {
    // Keyless records have no order to keep with each other beyond the batch, one group is simplest.
    const key = m.key === null ? '\u0000' : m.key.toString();
    const list = keyGroups.get(key) ?? [];
    list.push(i);
    keyGroups.set(key, list);
  });
  const proceed = (): boolean => !batchAbort.signal.aborted && isRunning() && !isStale();

  const { handler } = options;
  const runKey = async (indexes: number[]): Promise<void> => {
    if (typeof handler !== 'function') return;
    for (const i of indexes) {
      if (!proceed()) return;
      const record = toBusRecord(batch.topic, batch.partition, messages[i]);
      try {
        const handled = retry(() => handler(record), {
          retries: Infinity,
          initialMs: options.retryInitialMs,
          maxMs: options.retryMaxMs,
          signal: batchAbort.signal,
          onRetry: (err, attempt, waitMs) => {
            log.warn({ err, partition: record.partition, offset: record.offset, attempt, waitMs }, 'bus.handler.retry');
          },
        });
        await unlessAborted(handled, signals.cut);
      } catch {
        // Only an abort ends the infinite retry (or the stop deadline the wait); the record stays
        // uncommitted and comes back later.
        if (signals.cut.aborted) log.warn({ partition: record.partition, offset: record.offset }, 'bus.handler.abandoned_at_deadline');
        return;
      }
      done[i] = true;
    }
  };

  try {
    if (typeof handler === 'function') await runPool([...keyGroups.values()], options.keyConcurrency, runKey);
    else await runSlices(handler, messages.map((m) => toBusRecord(batch.topic, batch.partition, m)), done, { initialMs: options.retryInitialMs, maxMs: options.retryMaxMs, signal: batchAbort.signal, cut: signals.cut }, proceed, (slice, err, attempt, waitMs) =>
      log.warn({ err, partition: batch.partition, offset: slice[0].offset, records: slice.length, attempt, waitMs }, 'bus.batch_handler.retry'),
    );
    if (signals.cut.aborted) log.warn({ partition: batch.partition }, 'bus.handler.abandoned_at_deadline');
  } finally {
    clearInterval(beat);
    stopSignal.removeEventListener('abort', onStop);
  }

  let finished = -1;
  while (finished + 1 < done.length && done[finished + 1]) finished++;
  if (finished >= 0) {
    resolveOffset(messages[finished].offset);
    try {
      await commitOffsetsIfNecessary(uncommittedOffsets());
    } catch (err) {
      // A lost commit only means redelivery (at least once); the rebalance it signals is kafkajs's to handle.
      log.warn({ err, partition: batch.partition }, 'bus.consumer.commit_failed');
      heartbeatError ??= err;
    }
  }
  if (heartbeatError !== undefined && !stopSignal.aborted) throw heartbeatError;
}

/**
 * Hands the batch to a batch handler in slices of `maxRecords`, each retried whole until it succeeds or
 * the batch is aborted; a slice that did not finish leaves itself and the rest uncommitted.
 */
async function runSlices(
  delivery: BatchDelivery,
  records: BusRecord[],
  done: boolean[],
  bounds: { initialMs: number; maxMs: number; signal: AbortSignal; cut: AbortSignal },
  proceed: () => boolean,
  onRetry: (slice: BusRecord[], err: unknown, attempt: number, waitMs: number) => void,
): Promise<void> {
  const size = Math.max(1, delivery.maxRecords);
  const { cut, ...retryBounds } = bounds;
  for (let from = 0; from < records.length; from += size) {
    if (!proceed()) return;
    const slice = records.slice(from, from + size);
    try {
      // The stop deadline abandons the wait, not the handler: the slice stays uncommitted and comes back.
      await unlessAborted(retry(() => delivery.batch(slice), { retries: Infinity, ...retryBounds, onRetry: (err, attempt, waitMs) => onRetry(slice, err, attempt, waitMs) }), cut);
    } catch {
      return;
    }
    done.fill(true, from, from + slice.length);
  }
}

async function runPool<T>(items: T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await work(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

function toBusRecord(topic: string, partition: number, message: KafkaMessage): BusRecord {
  const raw = message.value === null ? null : message.value.toString('utf8');
  let value: unknown = raw;
  if (raw !== null) {
    try {
      value = JSON.parse(raw);
    } catch {
      // Kept as the raw string on purpose; see the TSDoc of startKafkaSubscription.
    }
  }
  return {
    topic,
    key: message.key === null ? '' : message.key.toString('utf8'),
    value,
    headers: decodeHeaders(message.headers),
    offset: message.offset,
    partition,
    timestamp: Number(message.timestamp),
  };
}

function decodeHeaders(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, v] of Object.entries(headers ?? {})) {
    const first = Array.isArray(v) ? v[0] : v;
    if (first !== undefined) out[name] = first.toString();
  }
  return out;
}
