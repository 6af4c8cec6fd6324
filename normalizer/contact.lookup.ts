import type { ContactLookup } from '../contracts/identity-admin.js';
import type { Queryable } from '../platform/store/store.port.js';
import type { NormalizationOptions } from './draft.cleaner.js';
import { normalizeEmail } from './email.normalizer.js';
import { contactLineage } from './lineage.query.js';
import { normalizePhone } from './phone.normalizer.js';

type ContactRow = { id: string; name: string | null; owner_id: string | null; merged_into: string | null; created_at: Date | string; erased_at: Date | string | null };
type LeadRow = { id: string; status: string; owner_id: string | null; channel: string; connector_id: string; created_at: Date | string; last_activity_at: Date | string; closed_at: Date | string | null; closed_reason: string | null };
type ActivityRow = { id: string; lead_id: string; channel: string; event_key: string; created_at: Date | string };
type IdentityRow = { kind: string; value: string };

const iso = (v: Date | string | null): string | null => (v === null ? null : new Date(v).toISOString());

/** The contact a query names: a phone or e-mail (cleaned like the normalizer cleans them), a contact id or a lead id. */
async function resolveContactId(q: Queryable, query: string, rules: NormalizationOptions): Promise<string | undefined> {
  const byIdentity = async (kind: string, value: string | undefined): Promise<string | undefined> =>
    value ? (await q.query<{ contact_id: string }>('select contact_id from identities where kind = $1 and value = $2', [kind, value]))[0]?.contact_id : undefined;
  if (query.includes('@')) return byIdentity('email', normalizeEmail(query, rules.email));
  if (/^[+\d][\d\s().-]{5,}$/.test(query)) {
    const found = await byIdentity('phone', normalizePhone(query, { defaultRegion: rules.defaultRegion, ...rules.phone }).e164);
    if (found) return found;
  }
  const contact = await q.query<{ id: string }>('select id from contacts where id = $1', [query]);
  if (contact[0]) return contact[0].id;
  return (await q.query<{ contact_id: string }>('select contact_id from leads where id = $1', [query]))[0]?.contact_id;
}

/**
 * Everything the store knows about the contact a query names (a phone or e-mail as people type it, a
 * contact id or a lead id), following merges to the survivor; undefined when nothing matches.
 */
export async function lookupContact(q: Queryable, query: string, rules: NormalizationOptions): Promise<ContactLookup | undefined> {
  let id = await resolveContactId(q, query, rules);
  // Follow merges to the contact that holds everything now.
  for (let hops = 0; id && hops < 20; hops++) {
    const [row] = await q.query<{ merged_into: string | null }>('select merged_into from contacts where id = $1', [id]);
    if (!row?.merged_into) break;
    id = row.merged_into;
  }
  if (!id) return undefined;
  const [contact] = await q.query<ContactRow>('select id, name, owner_id, merged_into, created_at, erased_at from contacts where id = $1', [id]);
  const lineage = await contactLineage(q, id);
  const leadIds = lineage?.leads.map((l) => l.leadId) ?? [];
  const [identities, leads, activities] = await Promise.all([
    q.query<IdentityRow>('select kind, value from identities where contact_id = $1 order by kind, value', [id]),
    q.query<LeadRow>('select id, status, owner_id, channel, connector_id, created_at, last_activity_at, closed_at, closed_reason from leads where id = any($1::text[]) order by created_at', [leadIds]),
    q.query<ActivityRow>('select id, lead_id, channel, event_key, created_at from lead_activities where lead_id = any($1::text[]) order by created_at, id', [leadIds]),
  ]);
  return {
    contact: contact && { id: contact.id, name: contact.name, ownerId: contact.owner_id, createdAt: iso(contact.created_at), erasedAt: iso(contact.erased_at), identities },
    leads: leads.map((l) => ({ id: l.id, status: l.status, ownerId: l.owner_id, channel: l.channel, connectorId: l.connector_id, createdAt: iso(l.created_at), lastActivityAt: iso(l.last_activity_at), closedAt: iso(l.closed_at), closedReason: l.closed_reason })),
    activities: activities.map((a) => ({ id: a.id, leadId: a.lead_id, channel: a.channel, eventKey: a.event_key, createdAt: iso(a.created_at) })),
    merges: lineage?.merges ?? [],
    rawEvents: lineage?.contact ?? [],
  };
}
