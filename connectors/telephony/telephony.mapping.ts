import { LeadgateError } from '../../contracts/errors.js';
import type { MapResult, Mapper, MapperInput } from '../../contracts/lead-draft.js';
import { CALL_LEG_NOT_FINAL, callDraft, type CallModel, type NotACall, type TelephonyPayload, type TelephonyProvider } from './call.model.js';

export const SWEPT_NOT_INBOUND = 'swept call the events did not show inbound';

/** A provider's pure reading of one payload into the call model, or a reason it is not a call. */
export type CallExtractor = (payload: TelephonyPayload, receivedAt: string) => CallModel | NotACall;

const isIgnore = (value: CallModel | NotACall): value is NotACall => 'ignore' in value;

export function readPayload(input: MapperInput, provider: TelephonyProvider): TelephonyPayload {
  const p = input.payload as Partial<TelephonyPayload>;
  if (p.provider !== provider || typeof p.route !== 'string' || !p.body || typeof p.body !== 'object') {
    throw new LeadgateError('MAPPING_FAILED', `not a ${provider} telephony payload`);
  }
  return p as TelephonyPayload;
}

/** The call model of any payload of this provider, final or not; used by golden tests and the live stream. */
export function modelOf(extract: CallExtractor, payload: TelephonyPayload, receivedAt: string): CallModel | NotACall {
  if (!payload.sweep) return extract(payload, receivedAt);
  const { sweep } = payload;
  const seen = extract(sweep.last, receivedAt);
  if (isIgnore(seen)) return seen;
  // The provider never said how it ended: answered if it reported an answer, otherwise a missed call,
  // which is what the callback queue needs to hear.
  const model: CallModel = {
    ...seen,
    externalCallId: seen.externalCallId || sweep.callId,
    outcome: sweep.answeredAt ? 'answered' : 'missed',
    rawDisposition: `no end event within ${sweep.timeoutSeconds}s`,
    final: true,
  };
  model.startedAt = seen.startedAt ?? sweep.startedAt;
  const answeredAt = seen.answeredAt ?? sweep.answeredAt;
  if (answeredAt) model.answeredAt = answeredAt;
  else delete model.answeredAt;
  delete model.endedAt;
  delete model.durationSec;
  return model;
}

/**
 * The mapper of a telephony kind: only final events (and sweeper closes) become leads; legs are ignored
 * with `call leg, not final`, so one call yields one lead however many events it produced.
 */
export function createCallMapper(provider: TelephonyProvider, extract: CallExtractor): Mapper {
  return (input: MapperInput): MapResult => {
    const payload = readPayload(input, provider);
    const model = modelOf(extract, payload, input.receivedAt);
    if (isIgnore(model)) return { kind: 'ignore', reason: model.ignore };
    if (!model.final) return { kind: 'ignore', reason: CALL_LEG_NOT_FINAL };
    // A sweep only guesses the end; it may make a lead only of a call the provider's events showed inbound.
    if (payload.sweep && model.direction !== 'inbound') return { kind: 'ignore', reason: SWEPT_NOT_INBOUND };
    return callDraft(model, payload.sweep !== undefined);
  };
}
