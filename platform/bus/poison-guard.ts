import type { DeadLetter } from '../../contracts/delivery.js';
import { Topics } from '../../contracts/topics.js';
import { deadLetter } from '../dead-letter.js';
import { retry, sharedAbortController } from '../retry.js';
import type { Logger } from '../telemetry/logger.js';
import type { Metrics } from '../telemetry/metrics.js';
import type { Bus, BusHandler, BusRecord, SubscribeOptions, Subscription } from './bus.port.js';
import { classifyFailure, type Failure } from './failure-class.js';
import { guardedBatchSubscription } from './poison-guard.batch.js';

/** Bounds of the guard; `bus.poison` in the config. */
export interface PoisonPolicy {
  /** Handler attempts in total for transient and unknown errors before the record is dead-lettered. */
  attempts: number;
  /** An unclassified error seen this many times in a row on one record counts as permanent. */
  sameFailureLimit: number;
  /** Backoff between attempts (exponential with jitter, platform/retry.ts). */
  initialMs: number;
  maxMs: number;
}

export const defaultPoisonPolicy: PoisonPolicy = { attempts: 8, sameFailureLimit: 3, initialMs: 200, maxMs: 10_000 };

export interface PoisonGuardDeps {
  /** Where dead letters go (the same, namespaced, bus the consumer reads). */
  bus: Bus;
  logger: Logger;
  metrics?: Metrics;
  policy?: Partial<PoisonPolicy>;
}

/** Which stage a topic's consumers are, for dead letters and metrics. */
export const stageOfTopic: Readonly<Record<string, string>> = {
  [Topics.raw]: 'normalizer',
  [Topics.normalized]: 'router',
  [Topics.deliveryRetry]: 'router',
  [Topics.events]: 'live-events',
  [Topics.dlq]: 'dlq-index',
};

/** Thrown inside the retry loop to stop it: the failure is permanent or has repeated too often. */
class GiveUp extends Error {
  constructor(readonly failure: Failure, readonly outcome: 'permanent' | 'repeated') {
    super(failure.message);
  }
}

/**
 * Wraps one consumer's handler so no record can hold its key (or, through the batch, other keys) for
 * longer than the policy's bounded retry:
 * - a permanent error (LeadgateError with retriable=false, a value the store refuses, a handler bug)
 *   dead-letters the record at once;
 * - a transient one (connection lost, serialization conflict, deadlock, timeout) is retried with backoff,
 *   and dead-lettered when `attempts` run out;
 * - any other error is retried, and dead-lettered once it came back the same `sameFailureLimit` times.
 * The wrapped handler resolves once the letter is on the DLQ, so the partition moves on; it rejects only
 * when the DLQ publish itself fails (the bus is down: the adapter retries, nothing is dropped) or when
 * `signal` aborts (the subscription stops and hands the record back uncommitted).
 *
 * The DLQ's own consumer cannot dead-letter: its poison is logged at error and counted, then skipped
 * (the letter stays on the DLQ topic itself).
 */
export function guardHandler(handler: BusHandler, context: PoisonGuardDeps & { stage: string; group: string; signal: AbortSignal }): BusHandler {
  const policy: PoisonPolicy = { ...defaultPoisonPolicy, ...context.policy };
  const { logger, metrics, stage, signal } = context;
  return async (record: BusRecord): Promise<void> => {
    let attempts = 0;
    let last: Failure | undefined;
    let repeats = 0;
    try {
      await retry(
        async (attempt) => {
          attempts = attempt;
          try {
            await handler(record);
          } catch (err) {
            const failure = classifyFailure(err);
            repeats = failure.signature === last?.signature ? repeats + 1 : 1;
            last = failure;
            if (failure.kind === 'permanent') throw new GiveUp(failure, 'permanent');
            if (failure.kind === 'unknown' && repeats >= policy.sameFailureLimit) throw new GiveUp(failure, 'repeated');
            throw err;
          }
        },
        {
          retries: policy.attempts,
          initialMs: policy.initialMs,
          maxMs: policy.maxMs,
          signal,
          bail: (err) => err instanceof GiveUp,
          onRetry: (err, attempt, waitMs) => {
            metrics?.handlerRetries.inc({ stage, topic: record.topic });
            logger.warn({ err: errSummary(err), stage, topic: record.topic, partition: record.partition, offset: record.offset, attempt, waitMs }, 'bus.handler_retry');
          },
        },
      );
      return;
    } catch (err) {
      if (signal.aborted) throw err;
      const failure = err instanceof GiveUp ? err.failure : (last ?? classifyFailure(err));
      const outcome: DeadLetter['failure'] = err instanceof GiveUp ? err.outcome : 'exhausted';
      await park(record, failure, outcome, attempts, context);
    }
  };
}

/** The error's class and codes only: messages of store errors may quote the record (PII). */
function errSummary(err: unknown): Record<string, unknown> {
  const f = err instanceof GiveUp ? err.failure : classifyFailure(err);
  return { kind: f.kind, code: f.code, ...(f.detail ? { detail: f.detail } : {}) };
}

async function park(record: BusRecord, failure: Failure, outcome: NonNullable<DeadLetter['failure']>, attempts: number, context: PoisonGuardDeps & { stage: string; group: string }): Promise<void> {
  const { logger, metrics, stage } = context;
  const where = { stage, group: context.group, topic: record.topic, partition: record.partition, offset: record.offset, code: failure.code, detail: failure.detail, failure: outcome, attempts };
  if (record.topic === Topics.dlq) {
    metrics?.poisonRecords.inc({ stage, topic: record.topic, failure: outcome, action: 'skipped' });
    logger.error(where, 'bus.poison_skipped');
    return;
  }
  await deadLetter(context.bus, {
    stage: stage as DeadLetter['stage'],
    code: failure.code,
    reason: `${failure.detail ? `${failure.detail}: ` : ''}${failure.message}`,
    sourceTopic: record.topic,
    key: record.key,
    record: record.value,
    sourcePartition: record.partition,
    sourceOffset: record.offset,
    attempts,
    failure: outcome,
  });
  metrics?.poisonRecords.inc({ stage, topic: record.topic, failure: outcome, action: 'dead_lettered' });
  logger.warn(where, 'bus.poison_dead_lettered');
}

/** Options a guarded bus understands on top of the Bus contract's. */
export interface GuardedSubscribeOptions extends SubscribeOptions {
  /** Stage named in dead letters and metrics; default by topic (normalizer, router, live-events, dlq-index). */
  stage?: string;
}

/**
 * The Bus with every subscription's handler wrapped in `guardHandler`: the one place the composition
 * root (bin/pipeline.ts) turns poison isolation on for all consumers. Stopping a subscription aborts
 * the retries of its records, so a stop is not held up by the backoff.
 */
export function poisonGuardedBus(inner: Bus, deps: Omit<PoisonGuardDeps, 'bus'>): Bus {
  const open = new Set<AbortController>();
  const bus: Bus = {
    kind: inner.kind,
    publish: (topic, key, value, headers) => inner.publish(topic, key, value, headers),
    async subscribe(topic: string, group: string, handler: BusHandler, options: GuardedSubscribeOptions = {}): Promise<Subscription> {
      const abort = sharedAbortController();
      open.add(abort);
      const stage = options.stage ?? stageOfTopic[topic] ?? group;
      const guarded = guardHandler(handler, { ...deps, bus, stage, group, signal: abort.signal });
      const subscription = await inner.subscribe(topic, group, guarded, options);
      return {
        stop(deadline?: AbortSignal) {
          abort.abort(new Error('subscription stopped'));
          open.delete(abort);
          return subscription.stop(deadline);
        },
      };
    },
    subscribeBatch: (topic, group, handler, options) => guardedBatchSubscription(inner, { ...deps, bus }, open, { topic, group, handler, options }),
    ready: () => inner.ready(),
    close() {
      for (const abort of open) abort.abort(new Error('bus closing'));
      return inner.close();
    },
  };
  return bus;
}
