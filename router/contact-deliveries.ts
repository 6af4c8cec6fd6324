import type { Delivery } from '../contracts/delivery.js';
import type { ContactErasedV1, LeadV1 } from '../contracts/lead.js';
import type { Channel } from '../contracts/raw-event.js';
import type { Store } from '../platform/store/store.port.js';

interface ErasedLeadRow extends Record<string, unknown> {
  id: string;
  contact_id: string;
  owner_id: string | null;
  channel: string;
  connector_id: string;
  created_at: Date | string;
}

/** Who gets deliveries about a contact nobody routed yet (an erasure before any lead was assigned). */
const unownedId = 'unassigned';

/**
 * Deliveries about contacts rather than requests: `contact.merged` for each contact a request folded into
 * another, and `contact.erased` for an erasure. Destinations find their records by our lead and contact
 * ids, so an erasure becomes one delivery per lead of the erased contacts; each carries that lead as the
 * store still holds it (ids, channel, owner, no personal data), never the erased person.
 */
export class ContactDeliveries {
  constructor(private readonly store: Store) {}

  merges(lead: LeadV1, ownerId: string): Delivery[] {
    return (lead.mergedContactIds ?? []).map((mergedContactId) => ({
      kind: 'contact.merged',
      // One per folded contact: a redelivered request, or a later one from the same person, repeats the key.
      idempotencyKey: `merge:${mergedContactId}:into:${lead.contact.id}`,
      ownerId,
      lead,
      mergedContactId,
    }));
  }

  async erasure(record: ContactErasedV1): Promise<Delivery[]> {
    const contactIds = [record.contactId, ...record.mergedContactIds];
    const rows = await this.store.query<ErasedLeadRow>(
      'select id, contact_id, owner_id, channel, connector_id, created_at from leads where id = any($1::text[]) or contact_id = any($2::text[]) order by created_at, id',
      [record.leadIds, contactIds],
    );
    return rows.map((row) => {
      const ownerId = row.owner_id ?? unownedId;
      const createdAt = new Date(row.created_at).toISOString();
      const lead: LeadV1 = {
        v: 1,
        type: 'lead.created',
        leadId: row.id,
        activityId: row.id,
        contact: { id: record.contactId, isNew: false, phones: [], emails: [], ids: [], ownerId },
        channel: row.channel as Channel,
        connectorId: row.connector_id,
        source: {},
        fields: {},
        tags: [],
        spam: false,
        occurredAt: createdAt,
        normalizedAt: record.erasedAt,
        lineage: { rawEventIds: [] },
      };
      return { kind: 'contact.erased', idempotencyKey: `erase:${record.contactId}:lead:${row.id}`, ownerId, lead };
    });
  }
}
