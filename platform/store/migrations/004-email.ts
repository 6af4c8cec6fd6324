import type { Migration } from './index.js';

/**
 * IMAP checkpoints of the e-mail connector: per connector and folder, the UIDVALIDITY the UIDs belong to
 * and the highest UID whose raw event is durably published. Written only after `ctx.ingest` resolved,
 * so a restart re-reads at most the one message in flight (and its event key dedupes it).
 */
export const emailMigration: Migration = {
  version: 4,
  name: 'email',
  sql: `
create table email_checkpoints (
  connector_id text not null,
  folder text not null,
  uid_validity bigint not null,
  last_uid bigint not null,
  updated_at timestamptz not null default now(),
  primary key (connector_id, folder)
);
`,
};
