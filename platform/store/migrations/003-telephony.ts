import type { Migration } from './index.js';

/**
 * Calls the telephony ingress has seen start, answer and end, one row per connector and provider call id.
 * The sweeper closes calls whose end event never came (Sipuni drops some) by looking for rows with a start
 * and no end; upserts keyed by (connector_id, call_id) make duplicate and out-of-order events harmless.
 */
export const telephonyMigration: Migration = {
  version: 3,
  name: 'telephony',
  sql: `
create table telephony_calls (
  connector_id text not null,
  call_id text not null,
  provider text not null,
  started_at timestamptz,
  answered_at timestamptz,
  ended_at timestamptz,
  swept_at timestamptz,
  last_event jsonb,
  updated_at timestamptz not null default now(),
  primary key (connector_id, call_id)
);
-- Only open calls are ever scanned by the sweeper, so the index holds just those.
create index telephony_calls_open_idx on telephony_calls (connector_id, started_at) where ended_at is null and swept_at is null;
`,
};
