import type { Migration } from './index.js';

/**
 * Contacts, identities, leads and their activities (normalizer), owner assignment and the delivery
 * ledger (router). Identity ownership is settled by the primary key of `identities`: two normalizers
 * racing to create the same identity collide there and one retries.
 */
export const leadsMigration: Migration = {
  version: 2,
  name: 'leads',
  sql: `
create table raw_events (
  event_key text primary key,
  event_id text not null,
  connector_id text not null,
  received_at timestamptz not null,
  raw jsonb not null,
  outcome text not null,
  output jsonb,
  processed_at timestamptz not null default now()
);
create index raw_events_received_idx on raw_events (received_at);

create table contacts (
  id text primary key,
  name text,
  owner_id text,
  merged_into text references contacts(id),
  created_at timestamptz not null,
  updated_at timestamptz not null default now()
);

create table identities (
  kind text not null,
  value text not null,
  contact_id text not null references contacts(id),
  created_at timestamptz not null default now(),
  primary key (kind, value)
);
create index identities_contact_idx on identities (contact_id);

create table contact_merges (
  survivor_id text not null references contacts(id),
  merged_id text not null references contacts(id),
  trigger_event_key text not null,
  merged_at timestamptz not null default now(),
  primary key (survivor_id, merged_id)
);

create table leads (
  id text primary key,
  contact_id text not null references contacts(id),
  status text not null default 'open',
  mergeable boolean not null default true,
  merge_until timestamptz not null,
  owner_id text,
  channel text not null,
  connector_id text not null,
  created_at timestamptz not null,
  last_activity_at timestamptz not null
);
-- At most one lead per contact accepts new requests: the constraint, not a lock, keeps racing
-- normalizers from opening two.
create unique index leads_one_mergeable_per_contact on leads (contact_id) where mergeable;

create table lead_activities (
  id text primary key,
  lead_id text not null references leads(id),
  event_key text not null unique,
  raw_event_id text not null,
  channel text not null,
  created_at timestamptz not null
);
create index lead_activities_lead_idx on lead_activities (lead_id);

-- Conversation keys (e-mail Message-IDs) so a reply joins the lead its thread started.
create table lead_threads (
  thread_key text primary key,
  lead_id text not null references leads(id)
);

create table deliveries (
  destination text not null,
  idempotency_key text not null,
  status text not null,
  attempts integer not null default 0,
  lead_id text,
  last_error text,
  response jsonb,
  updated_at timestamptz not null default now(),
  primary key (destination, idempotency_key)
);
`,
};
