import type { LeadDraft } from '../contracts/lead-draft.js';
import type { LeadV1 } from '../contracts/lead.js';
import type { RawEventV1 } from '../contracts/raw-event.js';
import type { CleanContact } from './draft.cleaner.js';
import { eventTimeOf, type EventTime } from './event-time.js';
import { extractSource } from './source.extractor.js';

/** The ids a stored decision fixed: who the contact is and where the request landed. */
export interface LeadIds {
  type: LeadV1['type'];
  leadId: string;
  activityId: string;
  contactId: string;
  isNew: boolean;
  ownerId?: string;
  mergedContactIds?: string[];
  /** The event time the placement used; absent (a `--remap` rebuild), it is derived with the default policy. */
  eventTime?: EventTime;
  /** The request was flagged spam (by the mapper or the ingress). */
  spam?: boolean;
}

/** Fields the CRM gets besides the mapper's: values we could not parse and phone extensions. */
export function leadFields(draft: LeadDraft, contact: CleanContact): Record<string, string> {
  const fields = { ...(draft.fields ?? {}) };
  if (contact.unparsed.length > 0) fields.unparsed_contacts = contact.unparsed.join(', ');
  const extensions = Object.entries(contact.extensions);
  if (extensions.length > 0) fields.phone_extension = extensions.map(([phone, ext]) => (extensions.length === 1 ? ext : `${phone} ${ext}`)).join(', ');
  return fields;
}

/**
 * Lead v1 from a cleaned draft and the ids the store decided. Pure, so a `--remap` replay rebuilds the
 * record with the same ids from a fixed mapper.
 */
export function buildLead(raw: RawEventV1, draft: LeadDraft, contact: CleanContact, ids: LeadIds): LeadV1 {
  const fields = leadFields(draft, contact);
  const eventTime = ids.eventTime ?? eventTimeOf(raw.receivedAt, draft.occurredAt, raw.connector.kind);
  return {
    v: 1,
    type: ids.type,
    leadId: ids.leadId,
    activityId: ids.activityId,
    contact: {
      id: ids.contactId,
      isNew: ids.isNew,
      ...(contact.name ? { name: contact.name } : {}),
      phones: contact.phones,
      emails: contact.emails,
      ids: contact.identities.filter((i) => i.kind !== 'phone' && i.kind !== 'email'),
      ...(ids.ownerId ? { ownerId: ids.ownerId } : {}),
      ...(draft.contact.username ? { username: draft.contact.username } : {}),
      ...(draft.contact.profileName ? { profileName: draft.contact.profileName } : {}),
    },
    channel: raw.channel,
    connectorId: raw.connector.id,
    ...(draft.subject ? { subject: draft.subject } : {}),
    ...(draft.message ? { message: draft.message } : {}),
    ...(draft.call ? { call: draft.call } : {}),
    source: extractSource(draft.source, fields),
    ...(draft.provider && Object.keys(draft.provider).length > 0 ? { provider: draft.provider } : {}),
    ...(draft.attachments?.length ? { attachments: draft.attachments } : {}),
    fields,
    tags: draft.tags ?? [],
    spam: ids.spam ?? isSpam(raw, draft),
    occurredAt: draft.occurredAt ?? raw.receivedAt,
    eventTime: eventTime.at,
    eventTimeSource: eventTime.source,
    normalizedAt: new Date().toISOString(),
    lineage: { rawEventIds: [raw.id] },
    ...(ids.mergedContactIds?.length ? { mergedContactIds: ids.mergedContactIds } : {}),
  };
}

/** Spam by the mapper's word or the ingress's flag (honeypot filled, bot): recorded, never an identity. */
export function isSpam(raw: RawEventV1, draft: LeadDraft): boolean {
  return draft.spam === true || (raw.meta.flags?.includes('spam') ?? false);
}
