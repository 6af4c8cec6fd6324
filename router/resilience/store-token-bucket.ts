import type { Queryable } from '../../platform/store/store.port.js';

/** What ResilientDestination asks of a rate limiter: take one token, learn how long to wait before sending. */
export interface RateReservation {
  /** Resolves to the wait in ms before the caller may send (0: a token was in the bucket). */
  reserve(): number | Promise<number>;
}

/**
 * The token bucket of one destination kept in the store (`rate_buckets`), so the CRM's limit holds for the
 * whole router consumer group, not per process. Like the in-process TokenBucket it hands out reservations:
 * one atomic upsert refills the balance from the database's `clock_timestamp()` (instances' clocks never
 * matter), takes a token (the balance may go negative, queueing later callers behind it) and returns the new
 * balance, from which the wait follows. The row lock of the upsert serialises concurrent takers.
 *
 * Why reservations rather than "granted, or retry after the wait": with retries every waiter of every
 * instance wakes when a token is due and all but one go back to sleep, so the store sees a statement per
 * waiter per token; a reservation costs exactly one statement per send. That is also why no in-process
 * bucket stands in front: it would not save a single store call, only add a second limit to reason about.
 * A reservation whose send is then abandoned (shutdown) leaves its token spent: the group sends less for a
 * moment, never more.
 */
export class StoreTokenBucket implements RateReservation {
  constructor(
    private readonly store: Queryable,
    private readonly bucket: string,
    private readonly perSecond: number,
    private readonly burst: number,
  ) {}

  async reserve(): Promise<number> {
    // A fresh bucket starts full (burst), as the in-process one does. `greatest(0, …)` keeps a database
    // clock stepped backwards from draining the balance.
    const rows = await this.store.query<{ tokens: number }>(
      `insert into rate_buckets as b (bucket, tokens, updated_at) values ($1, $3::float8 - 1, clock_timestamp())
       on conflict (bucket) do update set
         tokens = least($3::float8, b.tokens + greatest(0, extract(epoch from clock_timestamp() - b.updated_at)::float8) * $2::float8) - 1,
         updated_at = clock_timestamp()
       returning tokens`,
      [this.bucket, this.perSecond, this.burst],
    );
    const tokens = Number(rows[0]!.tokens);
    return tokens >= 0 ? 0 : Math.ceil((-tokens * 1000) / this.perSecond);
  }
}
