import { attachmentsSchema, leadSourceSchema, providerRefSchema, type AttachmentMeta, type CallFacts, type LeadSource, type ProviderRef } from './lead-draft.js';
import type { Channel } from './raw-event.js';

export interface ContactIdentity {
  kind: string;
  value: string;
}

/**
 * Lead v1, published on `leads.normalized.v1` keyed by contact id.
 * `lead.created`: the first request of a new lead. `lead.activity`: a later request from the same contact
 * inside the merge window, attached to the open lead. Each record carries one activity; `activityId`
 * is unique per raw event, so the delivery idempotency key is derived from it.
 */
export interface LeadV1 {
  v: 1;
  type: 'lead.created' | 'lead.activity';
  leadId: string;
  activityId: string;
  contact: {
    id: string;
    isNew: boolean;
    name?: string;
    phones: string[];
    emails: string[];
    ids: ContactIdentity[];
    /** Owner already assigned to this contact, when known. */
    ownerId?: string;
    /** Handle on the channel (Telegram `username`), without `@`. */
    username?: string;
    /** The name the person shows on the channel (WhatsApp profile name). */
    profileName?: string;
  };
  channel: Channel;
  connectorId: string;
  subject?: string;
  message?: string;
  call?: CallFacts;
  source: LeadSource;
  /** The provider's own ids and timestamp of this request, to trace the CRM record back to it. */
  provider?: ProviderRef;
  /** Files attached to the request: name, type and size only, never the content. */
  attachments?: AttachmentMeta[];
  fields: Record<string, string>;
  tags: string[];
  spam: boolean;
  occurredAt: string;
  /**
   * The time the lead window used (docs/identity.md, "Event time"): the provider's `occurredAt` when it lies
   * within the allowed skew of the gateway's receive time, else the receive time. `eventTimeSource` says which.
   */
  eventTime?: string;
  eventTimeSource?: 'provider' | 'received';
  normalizedAt: string;
  /** Raw event ids that formed this record. */
  lineage: { rawEventIds: string[] };
  /**
   * Contacts this request folded into `contact.id` (it carried identities they held). Present only on the
   * record that caused the merge; the router turns each id into a `contact.merged` delivery.
   */
  mergedContactIds?: string[];
}

/**
 * Published on `leads.normalized.v1` (key: contact id, header `type: contact.erased`) after a contact's
 * personal data was erased from the store. Carries no personal data: the destination erases its copy of
 * the contact (and of the contacts merged into it) by our ids.
 */
export interface ContactErasedV1 {
  v: 1;
  type: 'contact.erased';
  contactId: string;
  /** Contacts merged into this one earlier: their data was erased too. */
  mergedContactIds: string[];
  /** Leads of the contact, so the destination can find its records by our ids. */
  leadIds: string[];
  erasedAt: string;
}

export const contactErasedV1Schema = {
  $id: 'leadgate/contact-erased/v1',
  type: 'object',
  required: ['v', 'type', 'contactId', 'mergedContactIds', 'leadIds', 'erasedAt'],
  properties: {
    v: { const: 1 },
    type: { const: 'contact.erased' },
    contactId: { type: 'string', minLength: 1 },
    mergedContactIds: { type: 'array', items: { type: 'string' } },
    leadIds: { type: 'array', items: { type: 'string' } },
    erasedAt: { type: 'string' },
  },
} as const;

export const leadV1Schema = {
  $id: 'leadgate/lead/v1',
  type: 'object',
  required: ['v', 'type', 'leadId', 'activityId', 'contact', 'channel', 'connectorId', 'source', 'fields', 'tags', 'spam', 'occurredAt', 'normalizedAt', 'lineage'],
  properties: {
    v: { const: 1 },
    type: { enum: ['lead.created', 'lead.activity'] },
    leadId: { type: 'string', minLength: 1 },
    activityId: { type: 'string', minLength: 1 },
    contact: {
      type: 'object',
      required: ['id', 'isNew', 'phones', 'emails', 'ids'],
      properties: {
        id: { type: 'string' },
        isNew: { type: 'boolean' },
        name: { type: 'string' },
        phones: { type: 'array', items: { type: 'string' } },
        emails: { type: 'array', items: { type: 'string' } },
        ids: { type: 'array', items: { type: 'object', required: ['kind', 'value'] } },
        ownerId: { type: 'string' },
        username: { type: 'string' },
        profileName: { type: 'string' },
      },
    },
    channel: { type: 'string' },
    connectorId: { type: 'string' },
    source: leadSourceSchema,
    provider: providerRefSchema,
    attachments: attachmentsSchema,
    fields: { type: 'object' },
    tags: { type: 'array', items: { type: 'string' } },
    spam: { type: 'boolean' },
    occurredAt: { type: 'string' },
    eventTime: { type: 'string' },
    eventTimeSource: { enum: ['provider', 'received'] },
    normalizedAt: { type: 'string' },
    lineage: { type: 'object', required: ['rawEventIds'], properties: { rawEventIds: { type: 'array', items: { type: 'string' } } } },
    mergedContactIds: { type: 'array', items: { type: 'string' } },
  },
} as const;
