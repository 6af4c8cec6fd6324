import type { LiveEvent, LiveEventType } from '../../contracts/live-event.js';

const liveEventTypes: ReadonlySet<string> = new Set<LiveEventType>([
  'call.ringing',
  'call.missed',
  'callback.created',
  'callback.closed',
  'lead.created',
  'lead.assigned',
  'sla.breached',
]);

const optionalText = (value: unknown): boolean => value === undefined || (typeof value === 'string' && value.length > 0);

/**
 * True when a record read from `leads.events.v1` is a LiveEvent v1 this gateway can push. Anything else
 * (a future version, a malformed producer) is skipped rather than forwarded to browsers as is.
 */
export function isLiveEvent(value: unknown): value is LiveEvent {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const v = value as Record<string, unknown>;
  return (
    v.v === 1 &&
    typeof v.type === 'string' &&
    liveEventTypes.has(v.type) &&
    typeof v.at === 'string' &&
    optionalText(v.ownerId) &&
    optionalText(v.leadId) &&
    optionalText(v.contactId) &&
    v.data !== null &&
    typeof v.data === 'object' &&
    !Array.isArray(v.data)
  );
}
