import type { Migration } from './index.js';

/**
 * Two-phase delivery ledger ("intent, then send"): before a delivery's first request leaves, its row is
 * written with `status = 'sending'` and `intent_at`; the outcome (`delivered`, `retrying`, `dead`) replaces
 * it afterwards. A row still `sending` after a crash is a delivery in doubt: the CRM may or may not have
 * it, so the next attempt looks it up in the CRM before creating anything.
 * - `external_id`: the CRM's id of what the delivery created or found, for operators and audits.
 * - `deliveries_in_doubt_idx`: lists in-doubt rows per destination cheaply (`status = 'sending'` is rare).
 */
export const deliveryIntentsMigration: Migration = {
  version: 10,
  name: 'delivery-intents',
  sql: `
alter table deliveries add column intent_at timestamptz;
alter table deliveries add column external_id text;
create index deliveries_in_doubt_idx on deliveries (destination, intent_at) where status = 'sending';
`,
};
