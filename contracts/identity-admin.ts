/**
 * What the admin API (gateway) may ask of the identity store (normalizer): close a lead, show lineage,
 * erase a contact. The normalizer implements it (`normalizer/identity-admin.service.ts`), the
 * composition root hands it to the gateway, so the two stages never import each other.
 */

/** What an erasure removed besides contacts and identities, by table. */
export interface ScrubCounts {
  rawEvents: number;
  deadLetters: number;
  callbackTasks: number;
}

/** Who to erase: one identity as people type it (normalized with the configured rules) or a contact id. */
export interface EraseRequest {
  phone?: string;
  email?: string;
  contactId?: string;
}

export type EraseResult =
  | ({ status: 'erased'; contactId: string; mergedContactIds: string[]; leadIds: string[]; identities: number } & ScrubCounts)
  | { status: 'already_erased'; contactId: string; mergedContactIds: string[]; leadIds: string[] }
  | { status: 'not_found' };

/** The outcome of closing a lead: `found: false` when no such lead exists. */
export type CloseResult = { found: false } | { found: true; alreadyClosed: boolean; closedAt: string; reason?: string };

/** One raw event as stored: what arrived, from where and when, and what the normalizer made of it. */
export interface LineageEvent {
  eventKey: string;
  rawEventId: string;
  connectorId: string;
  receivedAt: string;
  outcome: string;
  /** The lead this event became an activity of. */
  leadId: string;
  /** The RawEvent v1 exactly as stored (scrubbed after an erasure). */
  raw: unknown;
}

export interface ContactMergeRecord {
  survivorId: string;
  mergedId: string;
  triggerEventKey: string;
  mergedAt: string;
}

export interface ContactLineage {
  contactId: string;
  /** Set when this contact was merged into another: the lineage shown is the survivor's. */
  requestedId?: string;
  erased: boolean;
  /** Raw events that formed the contact: every request of every lead it holds (merged contacts' included). */
  contact: LineageEvent[];
  /** The raw event that created the contact. */
  contactCreatedBy?: string;
  /** Contacts folded into this one (transitively), with the raw event that linked them. */
  merges: ContactMergeRecord[];
  leads: { leadId: string; status: string }[];
}

export interface LeadLineage extends Omit<ContactLineage, 'requestedId' | 'leads'> {
  leadId: string;
  status: string;
  /** Raw events whose requests are activities of this lead, oldest first. */
  lead: LineageEvent[];
}

/** What the console's lead lookup shows: the contact (its survivor when merged), its leads, activities and lineage. */
export interface ContactLookup {
  contact:
    | { id: string; name: string | null; ownerId: string | null; createdAt: string | null; erasedAt: string | null; identities: { kind: string; value: string }[] }
    | undefined;
  leads: { id: string; status: string; ownerId: string | null; channel: string; connectorId: string; createdAt: string | null; lastActivityAt: string | null; closedAt: string | null; closedReason: string | null }[];
  activities: { id: string; leadId: string; channel: string; eventKey: string; createdAt: string | null }[];
  merges: ContactMergeRecord[];
  rawEvents: LineageEvent[];
}

export interface IdentityAdminPort {
  /** The CRM closed the lead; the contact's next request opens a new one. Idempotent. */
  closeLead(leadId: string, reason?: string): Promise<CloseResult>;
  /** The raw events behind a lead and its contact; undefined when there is no such lead. */
  leadLineage(leadId: string): Promise<LeadLineage | undefined>;
  /** The same for a contact; a merged contact's id answers for its survivor. */
  contactLineage(contactId: string): Promise<ContactLineage | undefined>;
  /** The contact a phone, e-mail, contact id or lead id names, with its leads and lineage; undefined when none. */
  lookupContact(query: string): Promise<ContactLookup | undefined>;
  /** Erases the contact's personal data everywhere and publishes `contact.erased`. */
  eraseContact(request: EraseRequest): Promise<EraseResult>;
}
