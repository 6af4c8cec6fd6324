import type { Queryable } from '../../platform/store/store.port.js';

/** The stored `offset` for the next `getUpdates`, or undefined on the first start. */
export async function loadOffset(store: Queryable, connectorId: string): Promise<number | undefined> {
  const rows = await store.query<{ next_offset: string | number | bigint }>('select next_offset from telegram_offsets where connector_id = $1', [connectorId]);
  const value = rows[0]?.next_offset;
  // pg returns bigint as a string and PGlite may return a bigint; update ids fit in a double either way.
  return value === undefined ? undefined : Number(value);
}

/**
 * Records that every update below `nextOffset` is durably published. Overwrites rather than taking the
 * maximum: after a week without updates Telegram restarts `update_id` at a random, possibly lower, value.
 */
export async function saveOffset(store: Queryable, connectorId: string, nextOffset: number): Promise<void> {
  await store.query(
    `insert into telegram_offsets (connector_id, next_offset) values ($1, $2)
     on conflict (connector_id) do update set next_offset = excluded.next_offset, updated_at = now()`,
    [connectorId, nextOffset],
  );
}
