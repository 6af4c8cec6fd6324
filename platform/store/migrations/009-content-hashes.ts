import type { Migration } from './index.js';

/**
 * First receipts of request bodies that carry no provider event id (`gateway/raw-key.ts`): a body seen
 * again within the retry window reuses the first receipt's raw-event key, later it is a new request.
 * Shared by every gateway through the store; rows older than the window are pruned by the gateways.
 */
export const contentHashesMigration: Migration = {
  version: 9,
  name: 'content-hashes',
  sql: `
create table content_hashes (
  connector_id text not null,
  hash text not null,
  first_seen_at timestamptz not null,
  primary key (connector_id, hash)
);
create index content_hashes_first_seen_idx on content_hashes (first_seen_at);
`,
};
