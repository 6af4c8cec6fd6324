import type { Migration } from './index.js';

/**
 * Cursor of each Telegram connector in polling mode: the `offset` to pass to the next `getUpdates`.
 * Written only after the update before it was durably published, so a restart neither loses nor repeats.
 */
export const messengersMigration: Migration = {
  version: 5,
  name: 'messengers',
  sql: `
create table telegram_offsets (
  connector_id text primary key,
  next_offset bigint not null,
  updated_at timestamptz not null default now()
);
`,
};
