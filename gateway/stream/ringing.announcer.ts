import type { RingingCall } from '../../contracts/live-event.js';
import type { Logger } from '../../platform/telemetry/logger.js';
import type { RingingPublisher } from './ringing.publisher.js';

export interface RingingAnnouncerOptions {
  publish: RingingPublisher;
  logger: Logger;
  /** Calls remembered for dedupe (provider retries, Mango's one `Appeared` leg per extension rung). */
  recentCalls?: number;
  /** Lookups + publishes running at once: each holds a store connection the webhooks also need. */
  concurrency?: number;
  /** Announcements waiting at most; beyond it a popup is skipped rather than queued without bound. */
  maxQueued?: number;
}

/** What a connector's ingress calls (`ConnectorContext.announceRinging`); see {@link createRingingAnnouncer}. */
export interface RingingAnnouncer {
  /** Returns at once; the lookup and publish happen in the background. */
  announce(call: RingingCall): void;
  /** Announces nothing more, drops what waits, and waits for the publishes running. Idempotent. */
  close(): Promise<void>;
}

/**
 * Fire-and-forget front of {@link RingingPublisher} for webhook handlers. Nothing here may delay or fail
 * the provider's answer: under a call storm the lookups run a few at a time (so they do not take the store
 * pool from the webhooks' own writes) from a bounded queue, and what overflows is skipped. A call already
 * announced by this process is not announced again; another gateway instance may still announce a retried
 * start once more, so clients key popups by `data.callId`.
 */
export function createRingingAnnouncer(options: RingingAnnouncerOptions): RingingAnnouncer {
  const capacity = options.recentCalls ?? 10_000;
  const concurrency = options.concurrency ?? 8;
  const maxQueued = options.maxQueued ?? 2_000;
  const logger = options.logger.child({ component: 'ringing' });
  // A Map keeps insertion order, so the oldest entry is the first key: a cheap bounded FIFO.
  const recent = new Map<string, true>();
  const queue: RingingCall[] = [];
  const running = new Set<Promise<void>>();
  let closed = false;

  const remember = (key: string): boolean => {
    if (recent.has(key)) return false;
    recent.set(key, true);
    if (recent.size > capacity) recent.delete(recent.keys().next().value as string);
    return true;
  };

  const pump = (): void => {
    while (!closed && running.size < concurrency && queue.length > 0) {
      const call = queue.shift() as RingingCall;
      const job: Promise<void> = options
        .publish(call)
        .then(() => undefined)
        // The caller's number stays out of the log: the call id is enough to find it in the raw events.
        .catch((err: unknown) => logger.warn({ err, connector: call.connectorId, callId: call.callId }, 'stream.ringing_not_published'))
        .finally(() => {
          running.delete(job);
          pump();
        });
      running.add(job);
    }
  };

  return {
    announce(call) {
      if (closed || !remember(`${call.connectorId}\u0000${call.callId}`)) return;
      if (queue.length >= maxQueued) {
        logger.debug({ connector: call.connectorId }, 'stream.ringing_skipped_busy');
        return;
      }
      queue.push(call);
      pump();
    },
    async close() {
      closed = true;
      queue.length = 0;
      while (running.size > 0) await Promise.all([...running]);
    },
  };
}
