import type { Migration } from './index.js';

/**
 * The embedded bus: one append-only log for every topic, one committed position per (group, topic),
 * and one lease per (group, topic) so that only one subscriber of a group consumes a topic at a time.
 * `seq` doubles as the record's offset; publishers serialize their inserts (see log-bus-publisher.ts),
 * so a reader never sees a higher seq commit before a lower one.
 */
export const busLogMigration: Migration = {
  version: 1,
  name: 'bus-log',
  sql: `
create table bus_log (
  seq bigserial primary key,
  topic text not null,
  key text not null,
  value jsonb not null,
  headers jsonb not null default '{}',
  created_at timestamptz not null default now()
);
create index bus_log_topic_seq on bus_log (topic, seq);

create table bus_offsets (
  grp text not null,
  topic text not null,
  seq bigint not null,
  primary key (grp, topic)
);

create table bus_consumers (
  grp text not null,
  topic text not null,
  owner text not null,
  expires_at timestamptz not null,
  primary key (grp, topic)
);
`,
};
