import { randomUUID } from 'node:crypto';
import type { Channel } from '../contracts/raw-event.js';
import type { Queryable } from '../platform/store/store.port.js';

export interface LeadPlacement {
  type: 'lead.created' | 'lead.activity';
  leadId: string;
  activityId: string;
  ownerId?: string;
}

interface OpenLeadRow extends Record<string, unknown> {
  id: string;
  owner_id: string | null;
  created_at?: Date | string;
}

/**
 * Attaches a request to an open lead of its contact inside the merge window, else opens a new lead.
 * Runs in the caller's transaction after the contact row was locked, so two requests of one contact are
 * decided one after the other; the partial unique index on leads backs this up.
 *
 * `at` is the request's event time (see event-time.ts), never the clock, so a replay, a backfill or a
 * late IMAP fetch decides as the request would have been decided when it happened:
 * - the youngest open lead created in `(at − window, at]` takes it: after a merge that may be a lead the
 *   merged contact opened, because the conversation that just happened belongs to the person's latest lead;
 * - else a late request joins the oldest open lead opened within the window *after* it (that lead would
 *   have been this request's activity had it arrived on time; the CRM already holds it);
 * - else it opens a new lead dated `at`.
 * `windowMinutes` is the incoming request's channel window; a closed lead never absorbs a request.
 */
export async function placeRequest(
  q: Queryable,
  input: {
    contactId: string;
    eventKey: string;
    rawEventId: string;
    channel: Channel;
    connectorId: string;
    at: string;
    windowMinutes: number;
    threadKey?: string;
    threadRefs?: string[];
  },
): Promise<LeadPlacement> {
  const activityId = randomUUID();
  // A reply in a known thread joins that thread's lead whatever its age; otherwise the merge window decides.
  const [threaded] = input.threadRefs?.length
    ? await q.query<OpenLeadRow>(
        `select l.id, l.owner_id from lead_threads t join leads l on l.id = t.lead_id
         where t.thread_key = any($1::text[]) and l.status = 'open' order by l.created_at limit 1 for update of l`,
        [input.threadRefs],
      )
    : [];
  const near = threaded
    ? []
    : await q.query<OpenLeadRow>(
        `select id, owner_id, created_at from leads
         where contact_id = $1 and status = 'open'
           and created_at > $2::timestamptz - make_interval(secs => $3) and created_at < $2::timestamptz + make_interval(secs => $3)
         order by created_at desc, id for update`,
        [input.contactId, input.at, input.windowMinutes * 60],
      );
  const atMs = Date.parse(input.at);
  const before = near.find((l) => new Date(l.created_at as Date | string).getTime() <= atMs);
  const open = threaded ?? before ?? near[near.length - 1];
  let leadId: string;
  let type: LeadPlacement['type'];
  if (open) {
    leadId = open.id;
    type = 'lead.activity';
    await q.query('update leads set last_activity_at = greatest(last_activity_at, $2::timestamptz) where id = $1', [leadId, input.at]);
  } else {
    leadId = randomUUID();
    type = 'lead.created';
    // `mergeable` marks the contact's youngest lead (one per contact, by the partial unique index); a
    // backfilled request older than that lead opens its lead without taking the mark away.
    const [younger] = await q.query<{ id: string }>('select id from leads where contact_id = $1 and created_at > $2::timestamptz limit 1', [input.contactId, input.at]);
    if (!younger) await q.query('update leads set mergeable = false where contact_id = $1 and mergeable', [input.contactId]);
    await q.query(
      `insert into leads (id, contact_id, merge_until, channel, connector_id, created_at, last_activity_at, mergeable)
       values ($1, $2, $3::timestamptz + make_interval(secs => $4), $5, $6, $3, $3, $7)`,
      [leadId, input.contactId, input.at, input.windowMinutes * 60, input.channel, input.connectorId, !younger],
    );
  }
  if (input.threadKey) {
    await q.query('insert into lead_threads (thread_key, lead_id) values ($1, $2) on conflict do nothing', [input.threadKey, leadId]);
  }
  await q.query(
    'insert into lead_activities (id, lead_id, event_key, raw_event_id, channel, created_at) values ($1, $2, $3, $4, $5, $6)',
    [activityId, leadId, input.eventKey, input.rawEventId, input.channel, input.at],
  );
  return { type, leadId, activityId, ...(open?.owner_id ? { ownerId: open.owner_id } : {}) };
}
