import type { CallFacts, LeadDraft } from '../../contracts/lead-draft.js';
import { truncateText } from '../../platform/text/safe-text.js';

export type CallDirection = 'inbound' | 'outbound';
export type CallOutcome = 'answered' | 'missed' | 'busy' | 'cancelled' | 'failed';
export type TelephonyProvider = 'mango' | 'zadarma' | 'sipuni' | 'call-webhook';

/** Where an event stands in a call's life: the ingress tracks start/end for the sweeper, the mapper maps `end`. */
export type CallPhase = 'start' | 'answer' | 'end' | 'other';

/**
 * The one call model every provider is mapped to. Built by a pure per-provider function from the raw
 * event, so a fix to that function can be replayed over stored events.
 */
export interface CallModel {
  provider: TelephonyProvider;
  /** The provider's id of the whole call (Mango entry_id, Zadarma pbx_call_id, Sipuni call_id). */
  externalCallId: string;
  direction: CallDirection;
  /**
   * The external party, who becomes the contact: the caller on inbound calls, the person called on
   * outbound ones. E.164 when the provider's digits allow it, otherwise as received (may be empty: hidden number).
   */
  caller: string;
  /** Our number: the line dialled (inbound) or presented (outbound). */
  line?: string;
  extension?: string;
  startedAt?: string;
  answeredAt?: string;
  endedAt?: string;
  /** Talk time in seconds when the provider reports it. */
  durationSec?: number;
  /** Meaningful on final events only. */
  outcome: CallOutcome;
  rawDisposition: string;
  /** True for the event that closes the call (Mango summary, Zadarma NOTIFY_END, Sipuni event 2, generic end). */
  final: boolean;
  /** Extra provider facts kept for the CRM (calltracking number, record link). */
  extras?: Record<string, string>;
  /** The provider's id of this notification, when it has one apart from the call id (generic `eventId`). */
  eventId?: string;
  /** The provider's own start (or event) time exactly as sent, for `provider.timestamp`. */
  providerTime?: string;
}

/**
 * The raw-event payload of every telephony kind. `body` is the provider's fields as received (credentials
 * removed: Mango's api key and sign, a URL token); Mango's `json` string is kept as received in `body.json`.
 */
export interface TelephonyPayload {
  provider: TelephonyProvider;
  /** The hook sub-path the provider called (`events/summary`) or the event name. */
  route: string;
  body: Record<string, unknown>;
  /** Settings the mapper needs and the config holds (time zone, generic field mapping), frozen at receipt. */
  context?: Record<string, unknown>;
  /** Set on the synthetic event the sweeper publishes for a call whose end never came. */
  sweep?: SweepFacts;
}

export interface SweepFacts {
  callId: string;
  /** When the gateway first saw the call (receipt time of its first start or answer). */
  startedAt: string;
  answeredAt?: string;
  timeoutSeconds: number;
  /** The last start/answer payload recorded for the call, mapped again to recover caller, line and times. */
  last: TelephonyPayload;
}

/** An event a provider mapper chose not to turn into a call model, with why. */
export interface NotACall {
  ignore: string;
}

export const CALL_LEG_NOT_FINAL = 'call leg, not final';

/**
 * E.164 from the line formats PBXs send: `tel:+7…` (BroadWorks), `+7 (495) 123-45-67`, bare
 * international digits `74951234567`, the Russian trunk form `84951234567`, and Sipuni's `dst_num` with an
 * `_id<route>` suffix (`78126006060_id265648`). Anything else (a SIP URI, an extension, `anonymous`) stays
 * as received for the normalizer to judge.
 */
export function phoneOf(value: unknown): string {
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : '';
  const bare = text.replace(/^tel:/i, '').replace(/_id\d+$/i, '');
  const compact = /^\+?[\d\s().-]+$/.test(bare) ? bare.replace(/[\s().-]/g, '') : bare;
  if (/^\+\d{7,15}$/.test(compact)) return compact;
  // 8 + ten digits is the Russian trunk prefix of +7 (every provider here is a Russian PBX).
  if (/^8\d{10}$/.test(compact)) return `+7${compact.slice(1)}`;
  if (/^[1-79]\d{9,14}$/.test(compact)) return `+${compact}`;
  return compact === bare ? text : compact;
}

export function textOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value.trim() === '' ? undefined : value.trim();
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

export function recordOf(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** What a lead carries: the business view folds every unanswered inbound result into `missed`. */
export function callStatus(model: Pick<CallModel, 'direction' | 'outcome'>): CallFacts['status'] {
  return model.direction === 'inbound' && model.outcome !== 'answered' ? 'missed' : model.outcome;
}

function put<T extends object, K extends keyof T>(target: T, key: K, value: T[K] | undefined): void {
  if (value !== undefined && value !== '') target[key] = value;
}

/**
 * The LeadDraft of a final call: the external party is the contact, the line is the campaign (calltracking
 * lines are bought per campaign), and the call facts carry what the router's callback task and the live
 * stream need (status, caller, line, call id, times).
 */
export function callDraft(model: CallModel, swept = false): LeadDraft {
  const status = callStatus(model);
  const isInbound = model.direction === 'inbound';
  const ours = model.line ?? model.extension;
  const call: CallFacts = { direction: model.direction, status, callId: `${model.provider}:${model.externalCallId}`, provider: model.provider };
  put(call, 'from', isInbound ? model.caller : ours);
  put(call, 'to', isInbound ? ours : model.caller);
  put(call, 'durationSec', model.durationSec);
  put(call, 'line', model.line);
  put(call, 'extension', model.extension);
  put(call, 'startedAt', model.startedAt);
  put(call, 'answeredAt', model.answeredAt);
  put(call, 'endedAt', model.endedAt);
  call.outcome = model.outcome;
  put(call, 'rawDisposition', truncateText(model.rawDisposition, 200));
  if (swept) call.swept = true;

  const fields: Record<string, string> = { provider: model.provider, ...(model.extras ?? {}) };
  put(fields, 'line', model.line);
  put(fields, 'extension', model.extension);
  const tags = ['call', model.direction];
  if (isInbound && status === 'missed') tags.push('missed-call');
  if (model.outcome === 'answered') tags.push('answered-call');
  if (swept) tags.push('call-end-missing');

  const draft: LeadDraft = { kind: 'lead', contact: model.caller ? { phones: [model.caller] } : {}, call, fields, tags };
  draft.provider = { name: model.provider, callId: model.externalCallId };
  put(draft.provider, 'eventId', model.eventId);
  put(draft.provider, 'timestamp', model.providerTime);
  if (model.line) draft.source = { campaign: model.line };
  put(draft, 'occurredAt', model.startedAt ?? model.endedAt);
  return draft;
}
