import type { ScrubCounts } from '../contracts/identity-admin.js';
import type { Queryable } from '../platform/store/store.port.js';

// RawEvent v1 keeps its envelope (ids, connector, time) so lineage still shows that something arrived.
const scrubRawSql = `jsonb_strip_nulls(jsonb_build_object('v', raw->'v', 'id', raw->'id', 'connector', raw->'connector', 'channel', raw->'channel',
  'receivedAt', raw->'receivedAt', 'providerEventId', raw->'providerEventId', 'payload', '{}'::jsonb, 'meta', '{}'::jsonb, 'erased', true))`;
// Lead v1 keeps its ids and shape (it stays schema-valid if re-published on a redelivery) and loses the person.
const scrubOutputSql = `case when output is null then null else (output - 'subject' - 'message' - 'call' - 'mergedContactIds') || jsonb_build_object(
  'contact', jsonb_build_object('id', output->'contact'->'id', 'isNew', output->'contact'->'isNew', 'phones', '[]'::jsonb, 'emails', '[]'::jsonb, 'ids', '[]'::jsonb),
  'fields', '{}'::jsonb, 'source', '{}'::jsonb, 'erased', true) end`;

/**
 * Removes the person from every stored copy of their requests, inside the erasure's transaction:
 * - `raw_events`: the payload, meta and the Lead v1 output of each request of the contacts' leads, and of
 *   the event that created each contact;
 * - `dead_letters`: the record and the CRM's answer of letters about those events (normalizer stage, keyed
 *   by event key) or about deliveries for those contacts (router stage);
 * - `callback_tasks`: the phone number (a placeholder unique per task keeps the one-open-task index valid).
 * Bus records are not rewritten: the embedded log deletes them after its retention (1 h) and Kafka after
 * the topic's `retention.ms`; docs/identity.md says so.
 */
export async function scrubContactData(q: Queryable, contactIds: string[]): Promise<ScrubCounts> {
  const events = await q.query<{ event_key: string }>(
    `select a.event_key from lead_activities a join leads l on l.id = a.lead_id where l.contact_id = any($1::text[])
     union select first_event_key from contacts where id = any($1::text[]) and first_event_key is not null`,
    [contactIds],
  );
  const keys = events.map((e) => e.event_key);
  const raw = await q.query('update raw_events set raw = ' + scrubRawSql + ', output = ' + scrubOutputSql + ' where event_key = any($1::text[]) returning 1 as n', [keys]);
  const letters = await q.query(
    `update dead_letters set record = jsonb_build_object('erased', true), response = null
     where (key = any($1::text[]) or record->'lead'->'contact'->>'id' = any($2::text[])) and not coalesce(record @> '{"erased": true}', false)
     returning 1 as n`,
    [keys, contactIds],
  );
  const tasks = await q.query("update callback_tasks set phone = 'erased:' || id where contact_id = any($1::text[]) and phone not like 'erased:%' returning 1 as n", [contactIds]);
  return { rawEvents: raw.length, deadLetters: letters.length, callbackTasks: tasks.length };
}
