import { toIsoTime } from './call-time.normalizer.js';
import { phoneOf, textOf, type CallModel, type CallOutcome, type NotACall, type TelephonyPayload } from './call.model.js';
import { createCallMapper } from './telephony.mapping.js';

/** Events that describe a call's life; anything else (SMS, NUMBER_LOOKUP, …) is acknowledged and dropped. */
export const ZADARMA_CALL_EVENTS = ['NOTIFY_START', 'NOTIFY_ANSWER', 'NOTIFY_END', 'NOTIFY_OUT_START', 'NOTIFY_OUT_END'] as const;
export type ZadarmaCallEvent = (typeof ZADARMA_CALL_EVENTS)[number];

export function isZadarmaCallEvent(event: string): event is ZadarmaCallEvent {
  return (ZADARMA_CALL_EVENTS as readonly string[]).includes(event);
}

/** Zadarma dispositions contain spaces and one comma (`no money, no limit`); compared as given, lower-cased. */
export function zadarmaOutcome(disposition: string): CallOutcome {
  switch (disposition.trim().toLowerCase()) {
    case 'answered':
      return 'answered';
    case 'busy':
      return 'busy';
    case 'cancel':
      return 'cancelled';
    case 'no answer':
      return 'missed';
    case '':
      return 'missed';
    default:
      // no money, unallocated number, no limit, no day limit, line limit, failed: the call could not be made.
      return 'failed';
  }
}

/**
 * A Zadarma notification as a call model. `call_start` is wall-clock time in the account's zone (the
 * connector's `timeZone`, carried in the payload context). NOTIFY_END has no end time, so the receipt time
 * stands in for it; the answer time is derived from the reported talk `duration`.
 */
export function extractZadarmaCall(payload: TelephonyPayload, receivedAt: string): CallModel | NotACall {
  const b = payload.body;
  const event = textOf(b.event) ?? '';
  if (!isZadarmaCallEvent(event)) return { ignore: `zadarma ${event || 'event'} is not a call event` };
  const timeZone = textOf(payload.context?.timeZone) ?? 'UTC';
  const outbound = event === 'NOTIFY_OUT_START' || event === 'NOTIFY_OUT_END';
  const final = event === 'NOTIFY_END' || event === 'NOTIFY_OUT_END';
  const disposition = textOf(b.disposition) ?? '';
  const model: CallModel = {
    provider: 'zadarma',
    externalCallId: textOf(b.pbx_call_id) ?? '',
    direction: outbound ? 'outbound' : 'inbound',
    caller: phoneOf(outbound ? b.destination : b.caller_id),
    outcome: final ? zadarmaOutcome(disposition) : event === 'NOTIFY_ANSWER' ? 'answered' : 'missed',
    rawDisposition: final ? disposition : event,
    final,
  };
  const line = textOf(outbound ? b.caller_id : b.called_did);
  if (line) model.line = phoneOf(line);
  const extension = textOf(b.internal) ?? (event === 'NOTIFY_ANSWER' ? textOf(b.destination) : undefined);
  if (extension) model.extension = extension;
  const startedAt = toIsoTime(b.call_start, timeZone);
  if (startedAt) {
    model.startedAt = startedAt;
    model.providerTime = textOf(b.call_start);
  }
  if (event === 'NOTIFY_ANSWER') model.answeredAt = receivedAt;
  if (final) {
    model.endedAt = receivedAt;
    const duration = Number(textOf(b.duration));
    if (model.outcome === 'answered' && Number.isFinite(duration) && duration >= 0) {
      model.durationSec = duration;
      model.answeredAt = new Date(Date.parse(receivedAt) - duration * 1000).toISOString();
    }
    const rec = textOf(b.call_id_with_rec);
    if (rec && textOf(b.is_recorded) === '1') model.extras = { call_id_with_rec: rec };
  }
  return model;
}

export const mapZadarmaEvent = createCallMapper('zadarma', extractZadarmaCall);
