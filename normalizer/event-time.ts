/**
 * Which clock decides a request's lead window: the provider's (`draft.occurredAt`: form submit time, call
 * start, message date, e-mail `Date`) when it is plausible, else the gateway's `receivedAt`.
 *
 * Plausible means at most `maxSkewMinutes` ahead of `receivedAt` (clock skew between the provider and us)
 * and at most `maxPastDays` behind it (an IMAP outage, a spooled backlog, a provider's retries over days).
 * Events of the `import` connector kind have no past limit: the operator vouches for historical times.
 * Replays re-run stored raw events with their original `receivedAt`, so they get the same event time.
 */
export interface EventTimePolicy {
  maxSkewMinutes: number;
  maxPastDays: number;
}

export const defaultEventTimePolicy: EventTimePolicy = { maxSkewMinutes: 15, maxPastDays: 30 };

/** Connector kinds whose times are trusted however old they are. */
const historicalKinds = new Set(['import']);

export interface EventTime {
  /** ISO-8601 time the lead window and lead creation use. */
  at: string;
  source: 'provider' | 'received';
}

export function eventTimeOf(receivedAt: string, occurredAt: string | undefined, connectorKind: string, policy: EventTimePolicy = defaultEventTimePolicy): EventTime {
  const received = Date.parse(receivedAt);
  const occurred = occurredAt === undefined ? Number.NaN : Date.parse(occurredAt);
  if (Number.isNaN(occurred)) return { at: new Date(received).toISOString(), source: 'received' };
  const ahead = occurred - received;
  const tooEarly = !historicalKinds.has(connectorKind) && -ahead > policy.maxPastDays * 86_400_000;
  if (ahead > policy.maxSkewMinutes * 60_000 || tooEarly) return { at: new Date(received).toISOString(), source: 'received' };
  return { at: new Date(occurred).toISOString(), source: 'provider' };
}
