import type { Delivery } from '../../contracts/delivery.js';

export interface DeliveryReceipt {
  status: number;
  /** The CRM's id for what it created, when it says. */
  externalId?: string;
  body?: unknown;
}

/**
 * What the Deliverer knows about earlier attempts. `maybeRetry` is true when this key may already have
 * reached the CRM (an earlier attempt, a retry-topic pass, a DLQ replay): destinations without
 * server-side idempotency then look the record up by our key before creating it.
 */
export interface SendContext {
  maybeRetry: boolean;
  /** Attempts made before this one, across the retry topic. */
  priorAttempts: number;
}

/**
 * A CRM (or any system) that receives deliveries of every DeliveryKind. `send` resolves when the
 * destination accepted the delivery. It throws LeadgateError: DESTINATION_UNAVAILABLE (retriable;
 * `details.retryAfterMs` when the destination asked for a pause; `details.park` when it must not be
 * called again until an operator or a reset time resumes it) or DESTINATION_REJECTED (permanent;
 * `details.response` holds the answer).
 */
export interface Destination {
  readonly id: string;
  send(delivery: Delivery, context?: SendContext): Promise<DeliveryReceipt>;
}

/** Carried in `details.park` of a DESTINATION_UNAVAILABLE: stop sending to this destination. */
export interface ParkRequest {
  reason: string;
  /** The CRM's error code (OVERLOAD_LIMIT, DAILY, 403…). */
  code: string;
  /** When the block lifts by itself (HubSpot's daily reset); absent: only an operator resumes. */
  untilMs?: number;
}
