import { retry, sharedAbortController } from '../retry.js';
import type { BatchSubscribeOptions, Bus, BusBatchHandler, BusHandler, BusRecord, Subscription } from './bus.port.js';
import { classifyFailure, type Failure } from './failure-class.js';
import { defaultPoisonPolicy, guardHandler, stageOfTopic, type PoisonGuardDeps, type PoisonPolicy } from './poison-guard.js';

/** Options a guarded bus understands for batch subscriptions on top of the Bus contract's. */
export interface GuardedBatchSubscribeOptions extends BatchSubscribeOptions {
  /** Stage named in dead letters and metrics; default by topic, as for record subscriptions. */
  stage?: string;
  /** Keys run at once when a failed batch falls back to records (each key's records in order). Default 16. */
  fallbackKeyConcurrency?: number;
}

/** Thrown inside the batch retry loop to stop it and fall back to records. */
class FallBack extends Error {
  constructor(readonly failure: Failure) {
    super(failure.message);
  }
}

/**
 * Wraps a batch handler so one bad record cannot hold (or be committed with) a whole batch:
 * - a transient error (connection, serialization conflict, deadlock, timeout) retries the batch with
 *   the policy's backoff, up to `attempts`;
 * - a permanent error, an unclassified one repeated `sameFailureLimit` times, or running out of attempts
 *   falls back to handling this batch record by record through `guardHandler` (each record a batch of
 *   one), keys concurrently and each key in order, so only the record that fails on its own is
 *   dead-lettered and the others complete; the batch is then committed as a whole by the adapter.
 * Rejects, as `guardHandler` does, only when a dead-letter publish fails or `signal` aborts; the adapter
 * then retries the batch (handlers are idempotent: delivery is at least once).
 */
export function guardBatchHandler(handler: BusBatchHandler, context: PoisonGuardDeps & { stage: string; group: string; signal: AbortSignal; fallbackKeyConcurrency?: number }): BusBatchHandler {
  const policy: PoisonPolicy = { ...defaultPoisonPolicy, ...context.policy };
  const { logger, metrics, stage, signal } = context;
  const perRecord = guardHandler((record) => handler([record]), context);
  return async (records: BusRecord[]): Promise<void> => {
    if (records.length === 0) return;
    const topic = records[0].topic;
    let last: Failure | undefined;
    let repeats = 0;
    try {
      await retry(
        async () => {
          try {
            await handler(records);
          } catch (err) {
            const failure = classifyFailure(err);
            repeats = failure.signature === last?.signature ? repeats + 1 : 1;
            last = failure;
            if (failure.kind === 'permanent') throw new FallBack(failure);
            if (failure.kind === 'unknown' && repeats >= policy.sameFailureLimit) throw new FallBack(failure);
            throw err;
          }
        },
        {
          retries: policy.attempts,
          initialMs: policy.initialMs,
          maxMs: policy.maxMs,
          signal,
          bail: (err) => err instanceof FallBack,
          onRetry: (_err, attempt, waitMs) => {
            metrics?.handlerRetries.inc({ stage, topic });
            logger.warn({ kind: last?.kind, code: last?.code, detail: last?.detail, stage, topic, records: records.length, attempt, waitMs }, 'bus.batch_handler_retry');
          },
        },
      );
      return;
    } catch (err) {
      if (signal.aborted) throw err;
      const failure = err instanceof FallBack ? err.failure : (last ?? classifyFailure(err));
      logger.warn({ kind: failure.kind, code: failure.code, detail: failure.detail, stage, topic, partition: records[0].partition, from: records[0].offset, records: records.length }, 'bus.batch_fallback_to_records');
    }
    await byKeyInOrder(records, perRecord, context.fallbackKeyConcurrency ?? 16);
  };
}

/** Runs `handler` on every record: keys concurrently (bounded), each key's records one after another. */
export async function byKeyInOrder(records: readonly BusRecord[], handler: BusHandler, concurrency: number): Promise<void> {
  const byKey = new Map<string, BusRecord[]>();
  for (const record of records) {
    const list = byKey.get(record.key);
    if (list === undefined) byKey.set(record.key, [record]);
    else list.push(record);
  }
  const lists = [...byKey.values()];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < lists.length) {
      for (const record of lists[next++]) await handler(record);
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, concurrency), lists.length) }, worker));
}

/** What `poisonGuardedBus.subscribeBatch` is asked for. */
export interface BatchSubscriptionRequest {
  topic: string;
  group: string;
  handler: BusBatchHandler;
  options?: GuardedBatchSubscribeOptions;
}

/**
 * `subscribeBatch` of the poison-guarded bus: the batch handler wrapped in `guardBatchHandler`, its
 * retries aborted when the subscription stops or the bus closes (`open` is the guarded bus's set).
 */
export async function guardedBatchSubscription(inner: Bus, deps: PoisonGuardDeps, open: Set<AbortController>, request: BatchSubscriptionRequest): Promise<Subscription> {
  const { topic, group, options = {} } = request;
  const abort = sharedAbortController();
  open.add(abort);
  const stage = options.stage ?? stageOfTopic[topic] ?? group;
  const guarded = guardBatchHandler(request.handler, {
    ...deps,
    stage,
    group,
    signal: abort.signal,
    ...(options.fallbackKeyConcurrency !== undefined ? { fallbackKeyConcurrency: options.fallbackKeyConcurrency } : {}),
  });
  const subscription = await inner.subscribeBatch(topic, group, guarded, options);
  return {
    stop(deadline?: AbortSignal) {
      abort.abort(new Error('subscription stopped'));
      open.delete(abort);
      return subscription.stop(deadline);
    },
  };
}
