import { createHash } from 'node:crypto';
import type { Queryable } from '../../platform/store/store.port.js';
import type { RoutingState } from './routing.engine.js';

const undefinedTable = '42P01';
const sqlState = (err: unknown): unknown => (err as { code?: unknown } | null)?.code;

/** The sequence behind a rotation key; hashed, since keys carry rule ids that SQL names cannot. */
export function counterSequence(key: string): string {
  return `routing_rr_${createHash('sha256').update(key).digest('hex').slice(0, 24)}`;
}

/**
 * Routing state in the store, bound to one transaction so several router instances share it: the
 * rotation counters are sequences (see `tick`), and open-lead
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

  /**
   * A rotation counter is a sequence, not a row: `nextval` takes no row lock, so assignments from many
   * keys and router instances never queue behind one counter row until commit (that lock capped one
   * database at a couple of hundred assignments a second). Values are unique across instances, so the
   * rotation stays exact; a transaction that rolls back skips its value, which a retry repeats at worst.
   */
  async tick(key: string): Promise<number> {
    const sequence = counterSequence(key);
    if (this.dryRun) {
      const rows = await this.q
        .query<{ n: string | number }>(`select case when is_called then last_value + 1 else last_value end as n from ${sequence}`)
        .catch((err: unknown) => (sqlState(err) === undefinedTable ? [] : Promise.reject(err)));
      return Number(rows[0]?.n ?? 1);
    }
    // Created on first use; the savepoint keeps a missing sequence from aborting the assignment.
    await this.q.query('savepoint routing_tick');
    try {
      const [row] = await this.q.query<{ n: string | number }>(`select nextval('${sequence}') as n`);
      await this.q.query('release savepoint routing_tick');
      return Number(row.n);
    } catch (err) {
      if (sqlState(err) !== undefinedTable) throw err;
      await this.q.query('rollback to savepoint routing_tick');
    }
    // Two instances creating it at once: the loser's catalog insert fails; its retry then finds it.
    await this.q.query(`create sequence if not exists ${sequence}`);
    const [row] = await this.q.query<{ n: string | number }>(`select nextval('${sequence}') as n`);
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
