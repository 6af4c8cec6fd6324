import type { ConnectorCheckpoints } from '../contract/checkpoints.js';

/** Where reading a folder resumes: UIDs are only meaningful together with their UIDVALIDITY. */
export interface Checkpoint {
  uidValidity: bigint;
  lastUid: number;
}

/** The checkpoint key of one folder in `ctx.checkpoints` (migration 013 copied the old per-folder rows under it). */
export const folderKey = (folder: string): string => `imap:${folder}`;

/**
 * The per-folder IMAP cursor over `ctx.checkpoints`. `save` is called only after the message's raw event
 * is durable, and only ever moves forward within one UIDVALIDITY (the epoch), so a late writer (a stopped
 * worker finishing its last message) cannot move a cursor back.
 */
export class CheckpointStore {
  constructor(private readonly checkpoints: ConnectorCheckpoints) {}

  async load(folder: string): Promise<Checkpoint | undefined> {
    const cp = await this.checkpoints.get(folderKey(folder));
    return cp ? { uidValidity: BigInt(cp.epoch), lastUid: cp.position } : undefined;
  }

  async save(folder: string, checkpoint: Checkpoint): Promise<void> {
    await this.checkpoints.put(folderKey(folder), { epoch: checkpoint.uidValidity.toString(), position: checkpoint.lastUid }, 'forward');
  }
}
