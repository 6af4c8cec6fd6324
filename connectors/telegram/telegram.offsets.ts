import type { ConnectorCheckpoints } from '../contract/checkpoints.js';

/** The checkpoint key of the polling cursor (migration 013 copied `telegram_offsets` rows under it). */
export const OFFSET_KEY = 'getUpdates';

/** The stored `offset` for the next `getUpdates`, or undefined on the first start. */
export async function loadOffset(checkpoints: ConnectorCheckpoints): Promise<number | undefined> {
  return (await checkpoints.get(OFFSET_KEY))?.position;
}

/**
 * Records that every update below `nextOffset` is durably published. Overwrites rather than taking the
 * maximum: after a week without updates Telegram restarts `update_id` at a random, possibly lower, value.
 */
export async function saveOffset(checkpoints: ConnectorCheckpoints, nextOffset: number): Promise<void> {
  await checkpoints.put(OFFSET_KEY, { epoch: '', position: nextOffset }, 'overwrite');
}
