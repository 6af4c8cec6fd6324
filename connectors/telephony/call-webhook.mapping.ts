import { LeadgateError } from '../../contracts/errors.js';
import { secondsBetween, toIsoTime } from './call-time.normalizer.js';
import { phoneOf, recordOf, type CallModel, type NotACall, type TelephonyPayload } from './call.model.js';
import { readGenericCall, type FieldMapping } from './call-webhook.schema.js';
import { createCallMapper } from './telephony.mapping.js';

/** The generic call webhook as a call model; the field mapping in force at receipt travels in the payload. */
export function extractGenericCall(payload: TelephonyPayload): CallModel | NotACall {
  const mapping = recordOf(payload.context?.mapping) as FieldMapping;
  const check = readGenericCall(payload.body, Object.keys(mapping).length > 0 ? mapping : undefined);
  if (!check.ok) throw new LeadgateError('MAPPING_FAILED', `call webhook body is invalid: ${check.problems.join('; ')}`);
  const c = check.call;
  const zone = typeof payload.context?.timeZone === 'string' ? payload.context.timeZone : 'UTC';
  const startedAt = toIsoTime(c.startedAt, zone);
  const answeredAt = toIsoTime(c.answeredAt, zone);
  const endedAt = toIsoTime(c.endedAt, zone);
  const answered = answeredAt !== undefined || (c.durationSec ?? 0) > 0;
  const model: CallModel = {
    provider: 'call-webhook',
    externalCallId: c.callId,
    direction: c.direction,
    caller: phoneOf(c.caller),
    outcome: c.outcome ?? (answered ? 'answered' : 'missed'),
    rawDisposition: c.disposition ?? c.outcome ?? '',
    final: c.event === 'end',
  };
  if (c.line) model.line = phoneOf(c.line);
  if (c.extension) model.extension = c.extension;
  if (startedAt) {
    model.startedAt = startedAt;
    model.providerTime = String(c.startedAt);
  }
  if (c.eventId) model.eventId = c.eventId;
  if (answeredAt) model.answeredAt = answeredAt;
  if (endedAt) model.endedAt = endedAt;
  const duration = c.durationSec ?? secondsBetween(answeredAt, endedAt);
  if (duration !== undefined) model.durationSec = duration;
  return model;
}

export const mapGenericCall = createCallMapper('call-webhook', extractGenericCall);
