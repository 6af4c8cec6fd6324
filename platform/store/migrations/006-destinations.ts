import type { Migration } from './index.js';

/**
 * Destinations and the DLQ index.
 * - `destination_refs`: our ids (lead, callback task, contact, activity) → the CRM's ids, per destination.
 *   None of the supported CRMs honours an idempotency key, so this table (plus the CRM-side lookups) is
 *   what keeps a retried create from making a second record and lets later deliveries find their target.
 * - `destination_state`: a parked destination (manual block, auth failure, daily cap). Persisted so an
 *   operator's resume from the admin API reaches router processes, and a restart does not forget the block.
 * - `dead_letters`: an index of `leads.dlq.v1` for listing and replay; `fingerprint` makes recording idempotent
 *   under the bus's at-least-once delivery.
 */
export const destinationsMigration: Migration = {
  version: 6,
  name: 'destinations',
  sql: `
create table destination_refs (
  destination text not null,
  entity text not null,
  our_id text not null,
  crm_id text not null,
  idempotency_key text,
  created_at timestamptz not null default now(),
  primary key (destination, entity, our_id)
);

create table destination_state (
  destination text primary key,
  parked boolean not null,
  reason text,
  code text,
  parked_until timestamptz,
  config_hash text,
  updated_at timestamptz not null default now()
);

create table dead_letters (
  id bigserial primary key,
  fingerprint text not null unique,
  stage text not null,
  destination text,
  key text not null,
  code text not null,
  reason text not null,
  response jsonb,
  record jsonb,
  source_topic text not null,
  failed_at timestamptz not null,
  created_at timestamptz not null default now(),
  replayed_at timestamptz,
  replay_count integer not null default 0
);
create index dead_letters_destination_idx on dead_letters (destination, created_at);
create index dead_letters_created_idx on dead_letters (created_at);
`,
};
