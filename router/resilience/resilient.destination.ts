import { BrokenCircuitError, circuitBreaker, ConsecutiveBreaker, handleWhen, IsolatedCircuitError, type CircuitBreakerPolicy } from 'cockatiel';
import type { Logger } from 'pino';
import type { Delivery } from '../../contracts/delivery.js';
import { isLeadgateError, LeadgateError } from '../../contracts/errors.js';
import { sleep } from '../../platform/retry.js';
import type { Queryable } from '../../platform/store/store.port.js';
import type { Metrics } from '../../platform/telemetry/metrics.js';
import type { CircuitBreakerConfig, RateLimitConfig } from '../destinations/destination.config.js';
import type { DeliveryReceipt, Destination, ParkRequest, SendContext } from '../destinations/destination.port.js';
import type { ParkingState, ParkState } from './destination-parking.js';
import { StoreTokenBucket, type RateReservation } from './store-token-bucket.js';
import { TokenBucket } from './token-bucket.js';

export interface ResilienceOptions {
  rateLimit?: RateLimitConfig;
  /**
   * The store every router instance shares: the rate limit is then kept there (one bucket per destination
   * id for the whole consumer group). Absent: an in-process bucket, a limit per process.
   */
  rateStore?: Queryable;
  circuitBreaker: CircuitBreakerConfig;
  parking: ParkingState;
  metrics: Metrics;
  logger: Logger;
  /** Fingerprint of the destination's config, stored with a park so a changed config resumes it. */
  configHash?: string;
  /** How soon a delivery refused because of a park comes back to look again (via the retry topic). */
  parkRecheckMs?: number;
}

/**
 * Wraps a destination with what every CRM needs: a parked check (manual blocks stop all sending until
 * resumed), a token bucket (the CRM's rate limit per destination: group-wide in the store when `rateStore`
 * is given, else per process), and a cockatiel circuit breaker (consecutive retriable failures open it;
 * after `halfOpenAfterMs` one probe decides). Refusals
 * by the breaker or the park are DESTINATION_UNAVAILABLE with `details.breakerOpen` / `details.parked`,
 * which the Deliverer sends straight to the retry topic: nothing is lost, nothing is sent.
 */
export class ResilientDestination implements Destination {
  readonly id: string;
  readonly breaker: CircuitBreakerPolicy;
  private readonly bucket: RateReservation | undefined;
  private readonly recheckMs: number;

  constructor(private readonly inner: Destination, private readonly options: ResilienceOptions) {
    this.id = inner.id;
    this.recheckMs = options.parkRecheckMs ?? 30_000;
    const limit = options.rateLimit;
    this.bucket = !limit
      ? undefined
      : options.rateStore
        ? new StoreTokenBucket(options.rateStore, this.id, limit.perSecond, limit.burst)
        : new TokenBucket(limit.perSecond, limit.burst);
    // Only "the CRM is not answering properly" counts: a permanent rejection proves it is up, and a park
    // is handled by its own flag.
    const failures = handleWhen((err) => isLeadgateError(err) && err.retriable && err.details.park === undefined);
    this.breaker = circuitBreaker(failures, {
      halfOpenAfter: options.circuitBreaker.halfOpenAfterMs,
      breaker: new ConsecutiveBreaker(options.circuitBreaker.consecutiveFailures),
    });
    const gauge = options.metrics.destinationBreakerState.labels({ destination: this.id });
    gauge.set(0);
    this.breaker.onStateChange((state) => {
      gauge.set(state);
      options.logger.warn({ destination: this.id, breaker: ['closed', 'open', 'half-open', 'isolated'][state] }, 'destination circuit breaker changed state');
    });
  }

  async send(delivery: Delivery, context?: SendContext): Promise<DeliveryReceipt> {
    const { parking, metrics } = this.options;
    const park = await parking.get(this.id);
    metrics.destinationParked.labels({ destination: this.id, code: park.code ?? '' }).set(park.parked ? 1 : 0);
    if (park.parked) throw this.parkedError(park);
    if (this.bucket) {
      const wait = await this.bucket.reserve();
      if (wait > 0) {
        metrics.destinationThrottleWait.inc({ destination: this.id }, wait / 1000);
        await sleep(wait);
      }
    }
    try {
      return await this.breaker.execute(() => this.inner.send(delivery, context));
    } catch (err) {
      if (err instanceof BrokenCircuitError || err instanceof IsolatedCircuitError) {
        throw new LeadgateError('DESTINATION_UNAVAILABLE', `${this.id}: circuit open after repeated failures`, {
          cause: err,
          details: { breakerOpen: true, retryAfterMs: this.options.circuitBreaker.halfOpenAfterMs },
        });
      }
      const request = isLeadgateError(err) ? (err.details.park as ParkRequest | undefined) : undefined;
      if (request) {
        const state = await parking.park(this.id, request, this.options.configHash);
        metrics.destinationParked.labels({ destination: this.id, code: request.code }).set(1);
        this.options.logger.error({ destination: this.id, code: request.code, reason: request.reason, until: request.untilMs }, 'destination parked: nothing is sent until it is resumed');
        throw this.parkedError(state, err);
      }
      throw err;
    }
  }

  private parkedError(park: ParkState, cause?: unknown): LeadgateError {
    const untilWait = park.untilMs !== undefined ? Math.max(0, park.untilMs - Date.now()) : Infinity;
    return new LeadgateError('DESTINATION_UNAVAILABLE', `${this.id} is parked: ${park.reason ?? park.code ?? 'manual block'}`, {
      ...(cause ? { cause } : {}),
      details: { parked: true, code: park.code, retryAfterMs: Math.min(this.recheckMs, untilWait) },
    });
  }
}
