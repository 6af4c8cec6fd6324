import type { Logger } from 'pino';
import type { Delivery } from '../contracts/delivery.js';
import { LeadgateError } from '../contracts/errors.js';
import { Topics } from '../contracts/topics.js';
import type { Bus } from '../platform/bus/bus.port.js';
import { deadLetter } from '../platform/dead-letter.js';
import { backoffMs, retry } from '../platform/retry.js';
import type { Metrics } from '../platform/telemetry/metrics.js';
import type { DeliveryLedger } from './delivery.ledger.js';
import type { Destination } from './destinations/destination.port.js';

export interface RetryPolicy {
  attempts: number;
  initialMs: number;
  maxMs: number;
}

/** A delivery parked on the retry topic, to be tried again no earlier than `notBefore`. */
export interface RetryEnvelope {
  v: 1;
  destinationId: string;
  attempts: number;
  notBefore: number;
  delivery: Delivery;
}

/**
 * Sends one delivery: skips it when the ledger says it arrived, records the intent before sending (so a
 * crash mid-send makes the next attempt look the record up in the CRM first), retries transient failures
 * in place a few times (honouring Retry-After), then moves it to the retry topic so one slow CRM does not
 * hold the partition; permanent failures go to the DLQ with the CRM's answer.
 */
export class Deliverer {
  constructor(
    private readonly deps: { bus: Bus; ledger: DeliveryLedger; destination: Destination; metrics: Metrics; logger: Logger; policy: RetryPolicy },
  ) {}

  async deliver(delivery: Delivery, priorAttempts = 0): Promise<void> {
    const { destination, ledger, metrics, policy } = this.deps;
    const key = delivery.idempotencyKey;
    const status = await ledger.status(destination.id, key);
    if (status === 'delivered') {
      metrics.deliveries.inc({ destination: destination.id, outcome: 'already_delivered' });
      return;
    }
    // Any earlier trace means an attempt may have reached the CRM: `sending` is an intent a crash left
    // without an outcome, retrying/dead an earlier pass (now retried or replayed).
    const earlier = status !== undefined || priorAttempts > 0;
    if (status === 'sending') metrics.deliveries.inc({ destination: destination.id, outcome: 'in_doubt' });
    // Phase one, durable before the first request leaves: a crash from here on leaves a row that makes the
    // next attempt look the record up in the CRM instead of creating it again.
    await ledger.intend(destination.id, key, delivery.lead.leadId);
    let attempts = 0;
    try {
      const receipt = await retry(
        async () => {
          attempts++;
          const stop = metrics.deliveryLatency.startTimer({ destination: destination.id });
          try {
            return await destination.send(delivery, { maybeRetry: earlier || attempts > 1, priorAttempts: priorAttempts + attempts - 1 });
          } finally {
            stop();
          }
        },
        {
          retries: policy.attempts,
          initialMs: policy.initialMs,
          maxMs: policy.maxMs,
          // A parked destination or an open breaker will not answer sooner for asking again in place:
          // such deliveries go straight to the retry topic.
          bail: (err) => !(err instanceof LeadgateError && err.retriable) || isRefusal(err),
          onRetry: (err) => retryAfterOf(err),
        },
      );
      await ledger.record(destination.id, key, 'delivered', { leadId: delivery.lead.leadId, attempts, response: receipt.body, ...(receipt.externalId ? { externalId: receipt.externalId } : {}) });
      metrics.deliveries.inc({ destination: destination.id, outcome: 'delivered' });
      metrics.ops.recordDelivery(destination.id, 'delivered', receipt.status);
    } catch (err) {
      const total = priorAttempts + attempts;
      const error = err instanceof LeadgateError ? err : new LeadgateError('INTERNAL', String(err), { cause: err, retriable: true });
      if (error.retriable) {
        const wait = Math.max(retryAfterOf(error) ?? 0, backoffMs(total, policy.initialMs, policy.maxMs));
        const envelope: RetryEnvelope = { v: 1, destinationId: destination.id, attempts: total, notBefore: Date.now() + wait, delivery };
        await this.deps.bus.publish(Topics.deliveryRetry, `${destination.id}:${key}`, envelope);
        await ledger.record(destination.id, key, 'retrying', { leadId: delivery.lead.leadId, attempts, error: error.message });
        metrics.deliveries.inc({ destination: destination.id, outcome: error.details.parked ? 'parked' : error.details.breakerOpen ? 'breaker_open' : 'retry' });
        metrics.ops.recordDelivery(destination.id, 'retry', statusOf(error) ?? error.code);
        this.deps.logger.warn({ destination: destination.id, key, attempts: total, waitMs: wait, code: error.code }, 'delivery postponed');
        return;
      }
      const response = error.details.response;
      await deadLetter(this.deps.bus, {
        stage: 'router',
        code: error.code,
        reason: error.message,
        destinationId: destination.id,
        ...(response ? { response: response as { status?: number; body?: unknown } } : {}),
        sourceTopic: Topics.normalized,
        key,
        record: delivery,
      });
      // Counted as soon as the dead letter is visible (the DLQ index and its depth gauge read it), not
      // after the ledger write: a scrape must not show the letter without the result that made it.
      metrics.deliveries.inc({ destination: destination.id, outcome: 'dead_lettered' });
      metrics.ops.recordDelivery(destination.id, 'dead_lettered', statusOf(error) ?? error.code);
      await ledger.record(destination.id, key, 'dead', { leadId: delivery.lead.leadId, attempts, error: error.message, response });
      // One line per lost delivery for the on-call: which CRM, why, how often tried; the key holds no PII.
      this.deps.logger.warn({ destination: destination.id, key, code: error.code, status: statusOf(error), attempts: total }, 'delivery dead-lettered');
    }
  }
}

function statusOf(err: LeadgateError): number | undefined {
  const status = (err.details.response as { status?: unknown } | undefined)?.status;
  return typeof status === 'number' ? status : undefined;
}

function isRefusal(err: unknown): boolean {
  return err instanceof LeadgateError && (err.details.parked === true || err.details.breakerOpen === true);
}

function retryAfterOf(err: unknown): number | undefined {
  if (!(err instanceof LeadgateError)) return undefined;
  const value = err.details.retryAfterMs;
  return typeof value === 'number' ? value : undefined;
}
