import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import { LeadgateError } from '../../contracts/errors.js';
import type { LiveEvent, RingingCall } from '../../contracts/live-event.js';
import { Topics } from '../../contracts/topics.js';
import type { Bus } from '../../platform/bus/bus.port.js';
import type { Queryable } from '../../platform/store/store.port.js';
import { truncateText } from '../../platform/text/safe-text.js';

export interface RingingOptions {
  /** Region for numbers without a country code; use the normalizer's `defaultRegion` so both agree. Default RU. */
  defaultRegion?: string;
}

interface KnownCaller extends Record<string, unknown> {
  contact_id: string;
  name: string | null;
  owner_id: string | null;
  lead_id: string | null;
  lead_owner_id: string | null;
  lead_status: string | null;
  lead_created_at: Date | string | null;
}

/**
 * The E.164 forms the normalizer could have stored this number under, best first: parsed in the
 * default region, then the digits as an international number. Mirrors normalizer/phone.normalizer.ts
 * for the digit strings PBXs send, without importing another stage.
 */
export function phoneCandidates(raw: string, defaultRegion: string): string[] {
  const out: string[] = [];
  const add = (n: ReturnType<typeof parsePhoneNumberFromString>): void => {
    if (n?.isValid() && !out.includes(n.number)) out.push(n.number);
  };
  add(parsePhoneNumberFromString(raw, defaultRegion as CountryCode));
  const digits = raw.replace(/\D/g, '');
  if (digits.length >= 7) add(parsePhoneNumberFromString(`+${digits}`));
  return out;
}

const text = (value: unknown, field: string, max: number): string => {
  if (typeof value !== 'string' || value.trim() === '' || value.length > max) {
    throw new LeadgateError('VALIDATION_FAILED', `call.ringing needs a ${field} (1-${max} characters)`, { details: { field } });
  }
  return value.trim();
};

async function findCaller(store: Queryable, candidates: string[]): Promise<KnownCaller | undefined> {
  if (candidates.length === 0) return undefined;
  // The freshest open lead: the one a new request from this contact would merge into.
  const [row] = await store.query<KnownCaller>(
    `select c.id as contact_id, c.name, c.owner_id,
            l.id as lead_id, l.owner_id as lead_owner_id, l.status as lead_status, l.created_at as lead_created_at
     from identities i
     join contacts c on c.id = i.contact_id and c.erased_at is null
     left join lateral (
       select id, owner_id, status, created_at from leads
       where contact_id = c.id and status = 'open' order by last_activity_at desc limit 1
     ) l on true
     where i.kind = 'phone' and i.value = any($1::text[])
     order by array_position($1::text[], i.value) limit 1`,
    [candidates],
  );
  return row;
}

/**
 * Builds the `call.ringing` LiveEvent for an inbound call and publishes it on `leads.events.v1`.
 *
 * Looks the caller up by phone identity: a known contact adds `contactId`, `data.contact` (name, owner)
 * and, when the contact has an open lead, `leadId` and `data.lead`; `ownerId` is the contact's owner, else
 * the open lead's. An unknown number yields only the call facts (caller, line, callId, provider).
 *
 * Call site contract: for the *start* of an *inbound* call, after the raw event's publish resolved; the
 * gateway reaches it through {@link createRingingAnnouncer}, which dedupes provider retries and never
 * delays the webhook answer. Resolves with the event once published; rejects (VALIDATION_FAILED on bad
 * input, or the store's/bus's error).
 */
export async function publishRinging(bus: Bus, store: Queryable, call: RingingCall, options: RingingOptions = {}): Promise<LiveEvent> {
  const callerRaw = text(call.caller, 'caller', 64);
  const callId = text(call.callId, 'callId', 512);
  const provider = text(call.provider, 'provider', 128);
  const connectorId = text(call.connectorId, 'connectorId', 128);
  const at = call.at instanceof Date ? call.at : new Date(call.at);
  if (Number.isNaN(at.getTime())) throw new LeadgateError('VALIDATION_FAILED', 'call.ringing needs a valid start time', { details: { field: 'at' } });
  const line = call.line?.trim() ? truncateText(call.line.trim(), 64) : undefined;

  const candidates = phoneCandidates(callerRaw, options.defaultRegion ?? 'RU');
  const known = await findCaller(store, candidates);
  const ownerId = known?.owner_id ?? known?.lead_owner_id ?? undefined;

  const data: Record<string, unknown> = { callId, provider, connectorId, caller: candidates[0] ?? callerRaw };
  if (line !== undefined) data.line = line;
  if (known) {
    data.contact = { id: known.contact_id, name: known.name, ownerId: known.owner_id };
    if (known.lead_id) {
      data.lead = {
        id: known.lead_id,
        status: known.lead_status,
        ownerId: known.lead_owner_id,
        createdAt: known.lead_created_at === null ? null : new Date(known.lead_created_at).toISOString(),
      };
    }
  }
  const event: LiveEvent = {
    v: 1,
    type: 'call.ringing',
    at: at.toISOString(),
    ...(ownerId ? { ownerId } : {}),
    ...(known ? { contactId: known.contact_id } : {}),
    ...(known?.lead_id ? { leadId: known.lead_id } : {}),
    data,
  };
  await bus.publish(Topics.events, ownerId ?? 'all', event);
  return event;
}

/** {@link publishRinging} bound to one bus and store, for injecting into an ingress. */
export type RingingPublisher = (call: RingingCall) => Promise<LiveEvent>;

export function createRingingPublisher(bus: Bus, store: Queryable, options: RingingOptions = {}): RingingPublisher {
  return (call) => publishRinging(bus, store, call, options);
}
