import type { Store } from '../../platform/store/store.port.js';

/** Where reading a folder resumes: UIDs are only meaningful together with their UIDVALIDITY. */
export interface Checkpoint {
  uidValidity: bigint;
  lastUid: number;
}

/**
 * The per-folder IMAP cursor in `email_checkpoints` (migration 004). `save` is called only after the
 * message's raw event is durable, and only ever moves forward within one UIDVALIDITY, so a late writer
 * (a stopped worker finishing its last message) cannot move a cursor back.
 */
export class CheckpointStore {
  constructor(
    private readonly store: Store,
    private readonly connectorId: string,
  ) {}

  async load(folder: string): Promise<Checkpoint | undefined> {
    const rows = await this.store.query<{ uid_validity: string | number; last_uid: string | number }>(
      'select uid_validity, last_uid from email_checkpoints where connector_id = $1 and folder = $2',
      [this.connectorId, folder],
    );
    const row = rows[0];
    if (!row) return undefined;
    return { uidValidity: BigInt(row.uid_validity), lastUid: Number(row.last_uid) };
  }

  async save(folder: string, checkpoint: Checkpoint): Promise<void> {
    await this.store.query(
      `insert into email_checkpoints (connector_id, folder, uid_validity, last_uid, updated_at) values ($1, $2, $3, $4, now())
       on conflict (connector_id, folder) do update set uid_validity = excluded.uid_validity, last_uid = excluded.last_uid, updated_at = now()
       where email_checkpoints.uid_validity <> excluded.uid_validity or email_checkpoints.last_uid < excluded.last_uid`,
      [this.connectorId, folder, checkpoint.uidValidity.toString(), checkpoint.lastUid],
    );
  }
}
