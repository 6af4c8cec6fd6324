import { secondsBetween, toIsoTime } from './call-time.normalizer.js';
import { phoneOf, textOf, type CallModel, type CallOutcome, type NotACall, type TelephonyPayload } from './call.model.js';
import { createCallMapper } from './telephony.mapping.js';

/** Sipuni's `event`: 1 call start, 2 call end (final), 3 answer, 4 end of a secondary leg. */
export const SIPUNI_EVENTS = { start: '1', end: '2', answer: '3', legEnd: '4' } as const;

const outcomes: Record<string, CallOutcome> = {
  ANSWER: 'answered',
  BUSY: 'busy',
  NOANSWER: 'missed',
  CANCEL: 'cancelled',
  CONGESTION: 'failed',
  CHANUNAVAIL: 'failed',
};

export function sipuniOutcome(status: string): CallOutcome {
  return outcomes[status.trim().toUpperCase()] ?? 'missed';
}

/** A Sipuni event as a call model. `src_type`/`dst_type` 1 = external number, 2 = internal extension. */
export function extractSipuniCall(payload: TelephonyPayload): CallModel | NotACall {
  const b = payload.body;
  const event = textOf(b.event) ?? '';
  if (!Object.values(SIPUNI_EVENTS).includes(event as never)) return { ignore: `sipuni event ${event || '(none)'} is not a call event` };
  const srcExternal = textOf(b.src_type) !== '2';
  const dstExternal = textOf(b.dst_type) === '1';
  if (!srcExternal && !dstExternal) return { ignore: 'internal call' };
  const inbound = srcExternal;
  const final = event === SIPUNI_EVENTS.end;
  const status = textOf(b.status) ?? '';
  const model: CallModel = {
    provider: 'sipuni',
    externalCallId: textOf(b.call_id) ?? '',
    direction: inbound ? 'inbound' : 'outbound',
    caller: phoneOf(inbound ? b.src_num : b.dst_num),
    outcome: final ? sipuniOutcome(status) : event === SIPUNI_EVENTS.answer ? 'answered' : 'missed',
    rawDisposition: final ? status : `event ${event}`,
    final,
  };
  if (inbound && dstExternal) {
    const line = textOf(b.dst_num);
    if (line) model.line = phoneOf(line);
  }
  const extension = inbound ? (textOf(b.short_dst_num) ?? (dstExternal ? undefined : textOf(b.dst_num))) : (textOf(b.short_src_num) ?? textOf(b.src_num));
  if (extension) model.extension = extension;
  // The payload's own start, never a receipt time: Sipuni repeats event 1 a second later with a later timestamp.
  const startRaw = textOf(b.call_start_timestamp) ?? (event === SIPUNI_EVENTS.start ? textOf(b.timestamp) : undefined);
  const startedAt = toIsoTime(startRaw);
  if (startedAt && startRaw) {
    model.startedAt = startedAt;
    model.providerTime = startRaw;
  }
  const answeredAt = toIsoTime(b.call_answer_timestamp) ?? (event === SIPUNI_EVENTS.answer ? toIsoTime(b.timestamp) : undefined);
  if (answeredAt && model.outcome === 'answered') model.answeredAt = answeredAt;
  if (final) {
    const endedAt = toIsoTime(b.timestamp);
    if (endedAt) model.endedAt = endedAt;
    const talk = model.answeredAt ? secondsBetween(model.answeredAt, endedAt) : undefined;
    if (talk !== undefined) model.durationSec = talk;
    const record = textOf(b.call_record_link);
    if (record) model.extras = { call_record_link: record };
  }
  return model;
}

export const mapSipuniEvent = createCallMapper('sipuni', extractSipuniCall);
