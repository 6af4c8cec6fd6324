import type { Store } from '../platform/store/store.port.js';

/**
 * `sending`: the intent was recorded and a request may have left, but no outcome was written (the process
 * died mid-send, or is sending right now). The other three are outcomes.
 */
export type LedgerStatus = 'sending' | 'delivered' | 'retrying' | 'dead';

/**
 * What was delivered where, keyed by destination and idempotency key; two-phase, so a crash cannot make
 * a delivery look untried. `intend` is committed (and, embedded, fsynced) before the first request
 * leaves; the outcome replaces it after the CRM answered. A redelivered Kafka record, a replay or a retry
 * then finds either `delivered` (skipped) or any other row (the CRM may already have it: destinations look
 * the record up by our key before creating it). Only a key with no row at all is sent without a lookup.
 */
export class DeliveryLedger {
  constructor(private readonly store: Store) {}

  async isDelivered(destination: string, key: string): Promise<boolean> {
    return (await this.status(destination, key)) === 'delivered';
  }

  /** The key's state, or undefined when it was never tried (any row means the CRM may already have it). */
  async status(destination: string, key: string): Promise<LedgerStatus | undefined> {
    const rows = await this.store.query<{ status: LedgerStatus }>('select status from deliveries where destination = $1 and idempotency_key = $2', [destination, key]);
    return rows[0]?.status;
  }

  /**
   * Phase one: records that a send is about to start. A new key gets a `sending` row; an existing row keeps
   * its status (retrying/dead already say "maybe sent") and only its intent time moves.
   */
  async intend(destination: string, key: string, leadId: string | undefined): Promise<void> {
    await this.store.query(
      `insert into deliveries (destination, idempotency_key, status, attempts, lead_id, intent_at, updated_at)
       values ($1, $2, 'sending', 0, $3, now(), now())
       on conflict (destination, idempotency_key) do update set intent_at = now()`,
      [destination, key, leadId ?? null],
    );
  }

  /** Phase two: the outcome. `delivered` is final; a later outcome never downgrades it. */
  async record(
    destination: string,
    key: string,
    status: Exclude<LedgerStatus, 'sending'>,
    details: { leadId?: string; attempts: number; error?: string; response?: unknown; externalId?: string },
  ): Promise<void> {
    await this.store.query(
      `insert into deliveries (destination, idempotency_key, status, attempts, lead_id, last_error, response, external_id, updated_at)
       values ($1, $2, $3, $4, $5, $6, $7, $8, now())
       on conflict (destination, idempotency_key) do update set
         status = case when deliveries.status = 'delivered' then deliveries.status else excluded.status end,
         attempts = deliveries.attempts + excluded.attempts,
         external_id = coalesce(excluded.external_id, deliveries.external_id),
         last_error = excluded.last_error, response = excluded.response, updated_at = now()`,
      [
        destination,
        key,
        status,
        details.attempts,
        details.leadId ?? null,
        details.error ?? null,
        details.response === undefined ? null : JSON.stringify(details.response),
        details.externalId ?? null,
      ],
    );
  }
}
