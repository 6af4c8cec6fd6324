import type { ContactLineage, ContactMergeRecord, LeadLineage, LineageEvent } from '../contracts/identity-admin.js';
import type { Queryable } from '../platform/store/store.port.js';

interface EventRow extends Record<string, unknown> {
  lead_id: string;
  event_key: string;
  event_id: string;
  connector_id: string;
  received_at: Date | string;
  outcome: string;
  raw: unknown;
}

const iso = (v: Date | string): string => new Date(v).toISOString();

function toEvent(r: EventRow): LineageEvent {
  return { eventKey: r.event_key, rawEventId: r.event_id, connectorId: r.connector_id, receivedAt: iso(r.received_at), outcome: r.outcome, leadId: r.lead_id, raw: r.raw };
}

/**
 * The lineage of a surviving contact. Leads move with their contact on a merge, so the contact's
 * activities already include those that formed the merged contacts.
 */
async function survivorLineage(q: Queryable, contactId: string): Promise<Omit<ContactLineage, 'requestedId'> | undefined> {
  const [contact] = await q.query<{ first_event_key: string | null; erased_at: Date | null }>('select first_event_key, erased_at from contacts where id = $1', [contactId]);
  if (!contact) return undefined;
  const events = await q.query<EventRow>(
    `select a.lead_id, r.event_key, r.event_id, r.connector_id, r.received_at, r.outcome, r.raw
     from leads l join lead_activities a on a.lead_id = l.id join raw_events r on r.event_key = a.event_key
     where l.contact_id = $1 order by r.received_at, r.event_key`,
    [contactId],
  );
  const merges = await q.query<{ survivor_id: string; merged_id: string; trigger_event_key: string; merged_at: Date | string }>(
    `with recursive chain(id) as (select $1::text union select m.merged_id from contact_merges m join chain on m.survivor_id = chain.id)
     select m.survivor_id, m.merged_id, m.trigger_event_key, m.merged_at from contact_merges m join chain on m.survivor_id = chain.id order by m.merged_at, m.merged_id`,
    [contactId],
  );
  const leads = await q.query<{ id: string; status: string }>('select id, status from leads where contact_id = $1 order by created_at, id', [contactId]);
  return {
    contactId,
    erased: contact.erased_at !== null,
    contact: events.map(toEvent),
    ...(contact.first_event_key ? { contactCreatedBy: contact.first_event_key } : {}),
    merges: merges.map((m) => ({ survivorId: m.survivor_id, mergedId: m.merged_id, triggerEventKey: m.trigger_event_key, mergedAt: iso(m.merged_at) })),
    leads: leads.map((l) => ({ leadId: l.id, status: l.status })),
  };
}

/**
 * The contact a contact id stands for today: follows `merged_into` to the end of the chain (a survivor
 * can itself be merged later). An unknown id comes back unchanged.
 */
export async function survivingContactId(q: Queryable, contactId: string): Promise<string> {
  const [row] = await q.query<{ id: string }>(
    `with recursive up(id, depth) as (select $1::text, 0 union select c.merged_into, up.depth + 1 from contacts c join up on c.id = up.id where c.merged_into is not null and up.depth < 100)
     select id from up order by depth desc limit 1`,
    [contactId],
  );
  return row?.id ?? contactId;
}

/** The raw events that formed a contact; a merged contact's id answers with its survivor's lineage. */
export async function contactLineage(q: Queryable, contactId: string): Promise<ContactLineage | undefined> {
  const survivor = await survivingContactId(q, contactId);
  const lineage = await survivorLineage(q, survivor);
  if (!lineage) return undefined;
  return survivor === contactId ? lineage : { ...lineage, requestedId: contactId };
}

/** The raw events that formed a lead and its (current) contact. */
export async function leadLineage(q: Queryable, leadId: string): Promise<LeadLineage | undefined> {
  const [lead] = await q.query<{ contact_id: string; status: string }>('select contact_id, status from leads where id = $1', [leadId]);
  if (!lead) return undefined;
  const contact = await survivorLineage(q, lead.contact_id);
  if (!contact) return undefined;
  return {
    leadId,
    status: lead.status,
    lead: contact.contact.filter((e) => e.leadId === leadId),
    contactId: contact.contactId,
    erased: contact.erased,
    contact: contact.contact,
    ...(contact.contactCreatedBy ? { contactCreatedBy: contact.contactCreatedBy } : {}),
    merges: contact.merges,
  };
}
