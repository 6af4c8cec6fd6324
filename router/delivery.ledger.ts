import type { Store } from '../platform/store/store.port.js';

export type LedgerStatus = 'delivered' | 'retrying' | 'dead';

/**
 * What was delivered where, keyed by destination and idempotency key. Checked before every send so a
 * redelivered Kafka record, a replay or a retried delivery never reaches the CRM twice once recorded;
 * the window between "CRM accepted" and "recorded" is covered by the idempotency key sent along.
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

  async record(
    destination: string,
    key: string,
    status: LedgerStatus,
    details: { leadId?: string; attempts: number; error?: string; response?: unknown },
  ): Promise<void> {
    await this.store.query(
      `insert into deliveries (destination, idempotency_key, status, attempts, lead_id, last_error, response, updated_at)
       values ($1, $2, $3, $4, $5, $6, $7, now())
       on conflict (destination, idempotency_key) do update set
         status = case when deliveries.status = 'delivered' then deliveries.status else excluded.status end,
         attempts = deliveries.attempts + excluded.attempts,
         last_error = excluded.last_error, response = excluded.response, updated_at = now()`,
      [destination, key, status, details.attempts, details.leadId ?? null, details.error ?? null, details.response === undefined ? null : JSON.stringify(details.response)],
    );
  }
}
