import type { Queryable } from '../../platform/store/store.port.js';

/**
 * A connector's cursor: `position` within `epoch` (IMAP: last UID within one UIDVALIDITY; Telegram: the
 * next `getUpdates` offset, epoch empty).
 */
export interface Checkpoint {
  epoch: string;
  position: number;
}

/** Durable cursors of one connector instance, by key (`imap:INBOX`, `getUpdates`), in `connector_checkpoints`. */
export interface ConnectorCheckpoints {
  get(key: string): Promise<Checkpoint | undefined>;
  /**
   * Stores `checkpoint`. `overwrite` always replaces (Telegram may restart its ids lower); `forward` moves
   * only ahead within one epoch, so a late writer (a stopped worker finishing its last message) cannot move
   * a cursor back. Call only after the publish it covers resolved.
   */
  put(key: string, checkpoint: Checkpoint, mode?: 'overwrite' | 'forward'): Promise<void>;
}

export function createCheckpoints(store: Queryable, connectorId: string): ConnectorCheckpoints {
  return {
    async get(key) {
      const rows = await store.query<{ epoch: string; position: string | number | bigint }>(
        'select epoch, position from connector_checkpoints where connector_id = $1 and key = $2',
        [connectorId, key],
      );
      const row = rows[0];
      // pg returns bigint as a string and PGlite may return a bigint; cursors fit in a double.
      return row ? { epoch: row.epoch, position: Number(row.position) } : undefined;
    },
    async put(key, checkpoint, mode = 'overwrite') {
      const guard = mode === 'forward' ? ' where connector_checkpoints.epoch <> excluded.epoch or connector_checkpoints.position < excluded.position' : '';
      await store.query(
        `insert into connector_checkpoints (connector_id, key, epoch, position, updated_at) values ($1, $2, $3, $4, now())
         on conflict (connector_id, key) do update set epoch = excluded.epoch, position = excluded.position, updated_at = now()${guard}`,
        [connectorId, key, checkpoint.epoch, checkpoint.position],
      );
    },
  };
}
