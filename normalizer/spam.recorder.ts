import { randomUUID } from 'node:crypto';
import type { LeadDraft } from '../contracts/lead-draft.js';
import type { LeadV1 } from '../contracts/lead.js';
import type { RawEventV1 } from '../contracts/raw-event.js';
import type { CleanContact } from './draft.cleaner.js';
import type { EventTime } from './event-time.js';
import { buildLead } from './lead.builder.js';

/**
 * The Lead v1 of a request flagged spam (honeypot filled, bot). It is published for the record (the router
 * counts and skips it) but touches no contact, identity or lead: its ids are its own, never resolved, so a
 * bot that typed a real person's number claims nothing and the person's next request is a new lead.
 */
export function spamLead(raw: RawEventV1, draft: LeadDraft, contact: CleanContact, eventTime: EventTime): LeadV1 {
  return buildLead(raw, draft, contact, {
    type: 'lead.created',
    leadId: randomUUID(),
    activityId: randomUUID(),
    contactId: `spam-${raw.id}`,
    isNew: true,
    eventTime,
    spam: true,
  });
}
