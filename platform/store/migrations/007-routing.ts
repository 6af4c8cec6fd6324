import type { Migration } from './index.js';

/**
 * Routing decisions that must hold across several router instances and restarts:
 * - `routing_owners`: one row per owner, the availability switch of the admin API, and the row that
 *   assignments lock (`for update`) when a pool has capacities or counts open leads, so two routers
 *   never both hand an owner their last free slot.
 * - `lead_sla`: one row per routed lead; `due_at` is the first-response deadline (null: the rule sets
 *   none, the row still records the first response for the time-to-first-response figure). The timer
 *   loop claims due rows with `for update skip locked`.
 * - `callback_tasks`: the callback a missed call opens. "One open task per phone" is a partial unique
 *   index, so racing routers settle on one task through a conflict and a retried transaction.
 * - `callback_events`: which Lead v1 record (activity id) did what to a task, so a redelivered record
 *   re-sends the same delivery instead of counting another attempt.
 */
export const routingMigration: Migration = {
  version: 7,
  name: 'routing',
  sql: `
create table routing_owners (
  owner_id text primary key,
  available boolean,
  updated_at timestamptz not null default now()
);

create index leads_open_owner_idx on leads (owner_id) where status = 'open';

create table lead_sla (
  lead_id text primary key,
  owner_id text not null,
  rule_id text not null,
  created_at timestamptz not null,
  due_at timestamptz,
  status text not null,
  escalation_level integer not null default 0,
  breached_at timestamptz,
  responded_at timestamptz,
  response_seconds double precision
);
create index lead_sla_due_idx on lead_sla (due_at) where status = 'pending';

create table callback_tasks (
  id text primary key,
  contact_id text not null,
  lead_id text not null,
  phone text not null,
  owner_id text not null,
  due_at timestamptz not null,
  attempts integer not null,
  last_call_at timestamptz not null,
  status text not null,
  closed_reason text,
  created_at timestamptz not null default now(),
  closed_at timestamptz
);
create unique index callback_tasks_one_open_per_phone on callback_tasks (phone) where status = 'open';
create index callback_tasks_contact_idx on callback_tasks (contact_id) where status = 'open';

create table callback_events (
  activity_id text primary key,
  task_id text not null references callback_tasks(id),
  action text not null,
  attempt integer not null
);
`,
};
