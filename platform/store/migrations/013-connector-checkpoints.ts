import type { Migration } from './index.js';

/**
 * One cursor table for every connector (`ctx.checkpoints`), replacing the per-channel ones. The rows of
 * `telegram_offsets` and `email_checkpoints` are copied so an upgraded gateway resumes where it stopped;
 * the old tables stay (unused) so a rollback to the previous release still finds its cursors.
 */
export const connectorCheckpointsMigration: Migration = {
  version: 13,
  name: 'connector-checkpoints',
  sql: `
create table connector_checkpoints (
  connector_id text not null,
  key text not null,
  epoch text not null default '',
  position bigint not null,
  updated_at timestamptz not null default now(),
  primary key (connector_id, key)
);
insert into connector_checkpoints (connector_id, key, epoch, position, updated_at)
  select connector_id, 'getUpdates', '', next_offset, updated_at from telegram_offsets;
insert into connector_checkpoints (connector_id, key, epoch, position, updated_at)
  select connector_id, 'imap:' || folder, uid_validity::text, last_uid, updated_at from email_checkpoints;
`,
};
