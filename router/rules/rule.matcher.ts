import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import type { LeadV1 } from '../../contracts/lead.js';
import type { RuleMatch } from './routing.config.js';
import { inWindow, localTime } from './time-window.js';

/** What routing looks at in a lead; the dry-run endpoint builds the same from a partial body. */
export interface LeadFacts {
  channel: string;
  connectorId: string;
  utm: Record<string, string>;
  tags: string[];
  /** The contact's first phone, E.164. */
  phone?: string;
  /** The contact's current owner, for `sticky`. */
  contactOwnerId?: string;
}

export function factsOf(lead: Pick<LeadV1, 'channel' | 'connectorId' | 'source' | 'tags' | 'contact'>): LeadFacts {
  const utm: Record<string, string> = {};
  for (const [k, v] of Object.entries(lead.source?.utm ?? {})) if (typeof v === 'string') utm[k] = v;
  return {
    channel: lead.channel,
    connectorId: lead.connectorId,
    utm,
    tags: lead.tags ?? [],
    ...(lead.contact.phones[0] ? { phone: lead.contact.phones[0] } : {}),
    ...(lead.contact.ownerId ? { contactOwnerId: lead.contact.ownerId } : {}),
  };
}

/** ISO country of an E.164 number; undefined when libphonenumber cannot place it. */
export function phoneCountry(phone: string | undefined): string | undefined {
  if (!phone) return undefined;
  return parsePhoneNumberFromString(phone)?.country;
}

/** Every condition the rule states must hold; a list condition holds when any of its entries does. */
export function matches(match: RuleMatch, facts: LeadFacts, now: Date): boolean {
  if (match.channels && !match.channels.includes(facts.channel)) return false;
  if (match.connectors && !match.connectors.includes(facts.connectorId)) return false;
  for (const [field, accepted] of Object.entries(match.utm ?? {})) {
    const value = facts.utm[field];
    if (value === undefined || !accepted.includes(value)) return false;
  }
  if (match.tags && !match.tags.some((t) => facts.tags.includes(t))) return false;
  if (match.phoneCountries) {
    const country = phoneCountry(facts.phone);
    if (!country || !match.phoneCountries.includes(country)) return false;
  }
  if (match.phonePrefixes && !match.phonePrefixes.some((p) => facts.phone?.startsWith(p))) return false;
  if (match.time && !inWindow(localTime(now, match.time.timezone), match.time)) return false;
  return true;
}
