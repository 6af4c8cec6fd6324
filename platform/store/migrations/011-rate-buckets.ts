import type { Migration } from './index.js';

/**
 * Token buckets shared by every router instance, one row per destination id: `tokens` is the balance at
 * `updated_at` (negative while senders are queued behind reservations). Only the database's clock writes
 * `updated_at`, so the instances' clocks never enter the refill.
 */
export const rateBucketsMigration: Migration = {
  version: 11,
  name: 'rate-buckets',
  sql: `
create table rate_buckets (
  bucket text primary key,
  tokens double precision not null,
  updated_at timestamptz not null
);
`,
};
