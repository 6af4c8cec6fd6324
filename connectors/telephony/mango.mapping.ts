import { LeadgateError } from '../../contracts/errors.js';
import { secondsBetween, toIsoTime } from './call-time.normalizer.js';
import { phoneOf, recordOf, textOf, type CallModel, type CallOutcome, type NotACall, type TelephonyPayload } from './call.model.js';
import { createCallMapper } from './telephony.mapping.js';

export const MANGO_CALL_ROUTE = 'events/call';
export const MANGO_SUMMARY_ROUTE = 'events/summary';

/** Parses the `json` field; the ingress has already refused bodies where this fails. */
export function parseMangoJson(json: unknown): Record<string, unknown> {
  if (typeof json !== 'string') throw new LeadgateError('MAPPING_FAILED', 'mango payload has no json string');
  try {
    const parsed: unknown = JSON.parse(json);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
    return parsed as Record<string, unknown>;
  } catch (cause) {
    throw new LeadgateError('MAPPING_FAILED', 'mango json field is not a JSON object', { cause });
  }
}

// Disconnect reasons (Mango's result table): 1110 caller hung up, 1111 no answer, 1120 callee hung up,
// 1121 busy, 1163 queue timeout, 1164 no operators.
function unansweredOutcome(reason: string | undefined): CallOutcome {
  if (reason === '1121') return 'busy';
  if (reason === '1110') return 'cancelled';
  return 'missed';
}

function fromSummary(data: Record<string, unknown>): CallModel | NotACall {
  const direction = textOf(data.call_direction);
  if (direction !== '1' && direction !== '2') return { ignore: `internal call (call_direction ${direction ?? 'absent'})` };
  const inbound = direction === '1';
  const from = recordOf(data.from);
  const to = recordOf(data.to);
  const startedAt = toIsoTime(data.create_time);
  // talk_time is the moment the talk began (0 when it never did), not a duration.
  const answeredAt = toIsoTime(data.talk_time);
  const endedAt = toIsoTime(data.end_time);
  const reason = textOf(data.disconnect_reason);
  const answered = answeredAt !== undefined || textOf(data.entry_result) === '1';
  const model: CallModel = {
    provider: 'mango',
    externalCallId: textOf(data.entry_id) ?? '',
    direction: inbound ? 'inbound' : 'outbound',
    caller: phoneOf(inbound ? from.number : to.number),
    outcome: answered ? 'answered' : unansweredOutcome(reason),
    rawDisposition: `entry_result=${textOf(data.entry_result) ?? ''}${reason ? ` disconnect_reason=${reason}` : ''}`,
    final: true,
  };
  const line = textOf(data.line_number) ?? textOf(inbound ? to.line_number : from.number);
  if (line) model.line = phoneOf(line);
  const extension = textOf(inbound ? to.extension : from.extension);
  if (extension) model.extension = extension;
  if (startedAt) {
    model.startedAt = startedAt;
    model.providerTime = textOf(data.create_time);
  }
  if (answeredAt) model.answeredAt = answeredAt;
  if (endedAt) model.endedAt = endedAt;
  const talk = secondsBetween(answeredAt, endedAt);
  if (talk !== undefined) model.durationSec = talk;
  const dct = textOf(recordOf(data.dct).number);
  if (dct) model.extras = { calltracking_number: dct };
  return model;
}

/** A leg of `events/call`: never final; read so the sweeper can close an entry whose summary never came. */
function fromLeg(data: Record<string, unknown>): CallModel {
  const from = recordOf(data.from);
  const to = recordOf(data.to);
  // A leg placed by an employee has `from.extension`; one from outside has only a number. A leg that a
  // command started (callback, API call: `command_id`, `callback_initiator`) is ours, whatever its `from`.
  const byCommand = textOf(data.command_id) !== undefined || textOf(data.callback_initiator) !== undefined || textOf(data.task_id) !== undefined;
  const inbound = textOf(from.extension) === undefined && textOf(from.number) !== undefined && !byCommand;
  const state = textOf(data.call_state) ?? '';
  const model: CallModel = {
    provider: 'mango',
    externalCallId: textOf(data.entry_id) ?? '',
    direction: inbound ? 'inbound' : 'outbound',
    caller: phoneOf(inbound ? from.number : to.number),
    outcome: state === 'Connected' ? 'answered' : 'missed',
    rawDisposition: state,
    final: false,
  };
  const line = textOf(inbound ? to.line_number : from.number);
  if (line) model.line = phoneOf(line);
  const extension = textOf(inbound ? to.extension : from.extension);
  if (extension) model.extension = extension;
  const at = toIsoTime(data.timestamp);
  if (at) {
    model.startedAt = at;
    model.providerTime = textOf(data.timestamp);
  }
  const leg = textOf(data.call_id);
  if (leg) model.eventId = leg;
  if (at && state === 'Connected') model.answeredAt = at;
  return model;
}

export function extractMangoCall(payload: TelephonyPayload): CallModel | NotACall {
  const data = parseMangoJson(payload.body.json);
  if (payload.route === MANGO_SUMMARY_ROUTE) return fromSummary(data);
  if (payload.route === MANGO_CALL_ROUTE) return fromLeg(data);
  return { ignore: `mango ${payload.route} is not a call event` };
}

export const mapMangoEvent = createCallMapper('mango', extractMangoCall);
