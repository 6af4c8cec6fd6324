import type { Queryable } from '../../platform/store/store.port.js';
import type { RoutingState } from './routing.engine.js';

/**
 * Routing state in the store, bound to one transaction so several router instances share it: the
 * rotation counters move with a single `insert … on conflict do update … returning`, and open-lead
 * counts come from the leads table under the pool's row locks (see `lockOwners`).
 */
export class StoreRoutingState implements RoutingState {
  constructor(
    private readonly q: Queryable,
    /** Dry run: read counters without moving them. */
    private readonly dryRun = false,
  ) {}

  async availability(ownerIds: readonly string[]): Promise<Map<string, boolean>> {
    const rows = await this.q.query<{ owner_id: string; available: boolean }>(
      'select owner_id, available from routing_owners where owner_id = any($1) and available is not null',
      [[...ownerIds]],
    );
    return new Map(rows.map((r) => [r.owner_id, r.available]));
  }

  async openLeads(ownerIds: readonly string[]): Promise<Map<string, number>> {
    const rows = await this.q.query<{ owner_id: string; n: string | number }>(
      "select owner_id, count(*) as n from leads where status = 'open' and owner_id = any($1) group by owner_id",
      [[...ownerIds]],
    );
    return new Map(rows.map((r) => [r.owner_id, Number(r.n)]));
  }

  async tick(key: string): Promise<number> {
    if (this.dryRun) {
      const [row] = await this.q.query<{ n: string | number }>('select n from routing_counters where pool = $1', [key]);
      return Number(row?.n ?? 0) + 1;
    }
    const [row] = await this.q.query<{ n: string | number }>(
      `insert into routing_counters (pool, n) values ($1, 1)
       on conflict (pool) do update set n = routing_counters.n + 1 returning n`,
      [key],
    );
    return Number(row.n);
  }

  /**
   * Locks the pool's owner rows until the transaction ends, in id order (no deadlock between two pools
   * sharing owners), so a count read afterwards stays true until this assignment commits.
   */
  async lockOwners(ownerIds: readonly string[]): Promise<void> {
    const ids = [...new Set(ownerIds)].sort();
    await this.q.query('insert into routing_owners (owner_id) select unnest($1::text[]) on conflict (owner_id) do nothing', [ids]);
    await this.q.query('select owner_id from routing_owners where owner_id = any($1) order by owner_id for update', [ids]);
  }
}

/** The admin switch: true/false overrides the owner's config; the row outlives restarts. */
export async function setOwnerAvailability(q: Queryable, ownerId: string, available: boolean): Promise<void> {
  await q.query(
    `insert into routing_owners (owner_id, available, updated_at) values ($1, $2, now())
     on conflict (owner_id) do update set available = excluded.available, updated_at = now()`,
    [ownerId, available],
  );
}
