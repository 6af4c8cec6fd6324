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
}

/**
 * Attaches a request to the contact's open lead when it is still inside its merge window, else opens a
 * new lead. Runs in the caller's transaction after the contact row was locked, so two requests of one
 * contact are decided one after the other; the partial unique index on leads backs this up.
 * Times come from the raw event (`at`), not the clock, so a replay decides the same way. `windowMinutes` is
 * the incoming request's channel window; a lead closed in the CRM (`status = 'closed'`) never absorbs one.
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
  const [open] = threaded
    ? [threaded]
    : await q.query<OpenLeadRow>(
        // The incoming request's channel decides how old a lead it may join (a call: an hour, a form: a day).
        `select id, owner_id from leads
         where contact_id = $1 and mergeable and status = 'open' and created_at > $2::timestamptz - make_interval(secs => $3)
         for update`,
        [input.contactId, input.at, input.windowMinutes * 60],
      );
  let leadId: string;
  let type: LeadPlacement['type'];
  if (open) {
    leadId = open.id;
    type = 'lead.activity';
    await q.query('update leads set last_activity_at = greatest(last_activity_at, $2::timestamptz) where id = $1', [leadId, input.at]);
  } else {
    leadId = randomUUID();
    type = 'lead.created';
    await q.query('update leads set mergeable = false where contact_id = $1 and mergeable', [input.contactId]);
    await q.query(
      `insert into leads (id, contact_id, merge_until, channel, connector_id, created_at, last_activity_at)
       values ($1, $2, $3::timestamptz + make_interval(secs => $4), $5, $6, $3, $3)`,
      [leadId, input.contactId, input.at, input.windowMinutes * 60, input.channel, input.connectorId],
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
