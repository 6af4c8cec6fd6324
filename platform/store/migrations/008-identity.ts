import type { Migration } from './index.js';

/**
 * Identity resolution that a CRM can trust: lead closing, contact lineage and erasure.
 * - `leads.closed_at` / `closed_reason`: a lead closed in the CRM (admin API) is `status = 'closed'` and never
 *   absorbs requests; the reason (won, lost, spam…) is the CRM's word, kept for reports.
 * - `contacts.first_event_key` / `erased_at`: the raw event that created a contact; when it was erased.
 * - `erased_identities`: tombstones of erased identities (salted SHA-256, never the value), so an erasure
 *   is idempotent and auditable; a later request with the same identity creates a new contact.
 * - `identity_secrets`: the installation's erasure salt, generated once here so no config has to carry it.
 * - `raw_events_connector_received_idx`: `leadgate replay --connector` scans by connector and time.
 */
export const identityMigration: Migration = {
  version: 8,
  name: 'identity',
  sql: `
alter table leads add column closed_at timestamptz;
alter table leads add column closed_reason text;
alter table contacts add column first_event_key text;
alter table contacts add column erased_at timestamptz;

create table erased_identities (
  kind text not null,
  hash text not null,
  contact_id text not null,
  erased_at timestamptz not null default now(),
  primary key (kind, hash)
);

create table identity_secrets (
  name text primary key,
  value text not null
);
insert into identity_secrets (name, value) values ('erasure_salt', md5(random()::text || clock_timestamp()::text) || md5(random()::text));

create index raw_events_connector_received_idx on raw_events (connector_id, received_at);
create index contact_merges_merged_idx on contact_merges (merged_id);
create index leads_contact_idx on leads (contact_id);
`,
};
