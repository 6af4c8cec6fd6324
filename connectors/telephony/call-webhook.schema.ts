import { describeErrors, compile } from '../../platform/validation.js';

export type GenericField =
  | 'eventId'
  | 'callId'
  | 'event'
  | 'direction'
  | 'caller'
  | 'line'
  | 'extension'
  | 'startedAt'
  | 'answeredAt'
  | 'endedAt'
  | 'outcome'
  | 'disposition'
  | 'durationSec';

export const GENERIC_FIELDS: readonly GenericField[] = [
  'eventId',
  'callId',
  'event',
  'direction',
  'caller',
  'line',
  'extension',
  'startedAt',
  'answeredAt',
  'endedAt',
  'outcome',
  'disposition',
  'durationSec',
];

/**
 * The documented body of the generic call webhook (after the connector's field mapping, if any).
 * Times may be ISO-8601 with a zone or unix seconds / milliseconds / microseconds.
 */
export interface GenericCall {
  /** The sender's id of this notification; retries must repeat it. Default: `callId:event`. */
  eventId?: string;
  callId: string;
  /** `start` and `answer` are tracked for the sweeper; only `end` becomes a lead. Default `end`. */
  event: 'start' | 'answer' | 'end';
  direction: 'inbound' | 'outbound';
  /** The external party: who called (inbound) or who was called (outbound). */
  caller: string;
  line?: string;
  extension?: string;
  startedAt?: string | number;
  answeredAt?: string | number;
  endedAt?: string | number;
  /** When absent: answered if `answeredAt` or a positive `durationSec` is given, else missed. */
  outcome?: 'answered' | 'missed' | 'busy' | 'cancelled' | 'failed';
  disposition?: string;
  /** Talk time in seconds. */
  durationSec?: number;
}

const time = { type: ['string', 'number'], maxLength: 40 } as const;
const text = (max: number) => ({ type: 'string', maxLength: max }) as const;

export const genericCallSchema = {
  $id: 'leadgate/connectors/call-webhook/call',
  type: 'object',
  additionalProperties: false,
  required: ['callId', 'event', 'direction', 'caller'],
  properties: {
    eventId: { type: 'string', minLength: 1, maxLength: 200 },
    callId: { type: 'string', minLength: 1, maxLength: 200 },
    event: { enum: ['start', 'answer', 'end'], default: 'end' },
    direction: { enum: ['inbound', 'outbound'] },
    caller: text(100),
    line: text(100),
    extension: text(100),
    startedAt: time,
    answeredAt: time,
    endedAt: time,
    outcome: { enum: ['answered', 'missed', 'busy', 'cancelled', 'failed'] },
    disposition: text(200),
    durationSec: { type: 'number', minimum: 0 },
  },
} as const;

/** Per-connector field mapping for template-based senders (UIS/CoMagic) whose customers name the keys. */
export interface FieldMapping {
  /** Model field → JSON pointer (`/call/id`) or dotted path (`call.id`) in the received body. */
  fields?: Partial<Record<GenericField, string>>;
  /** Value translations, e.g. `direction: { in: inbound, out: outbound }`, `outcome: { "Lost call": missed }`. */
  values?: Partial<Record<'event' | 'direction' | 'outcome', Record<string, string>>>;
  /** Values used when the body has none (a template that only fires on "Lost call" knows its outcome). */
  defaults?: Partial<Record<'event' | 'direction' | 'outcome', string>>;
}

function unescapePointer(token: string): string {
  return token.replace(/~1/g, '/').replace(/~0/g, '~');
}

/** Reads a JSON pointer or dotted path; own properties only, so `__proto__` paths find nothing. */
export function readPath(body: unknown, path: string): unknown {
  const tokens = path.startsWith('/') ? path.slice(1).split('/').map(unescapePointer) : path.split('.');
  let at: unknown = body;
  for (const token of tokens) {
    if (at === null || typeof at !== 'object' || !Object.prototype.hasOwnProperty.call(at, token)) return undefined;
    at = (at as Record<string, unknown>)[token];
  }
  return at;
}

function scalar(value: unknown): string | number | undefined {
  if (typeof value === 'string') return value.trim() === '' ? undefined : value.trim();
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  return undefined;
}

/** Applies the mapping; the result still has to pass `genericCallSchema`. Pure, shared by ingress and mapper. */
export function applyFieldMapping(body: Record<string, unknown>, mapping: FieldMapping | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of GENERIC_FIELDS) {
    let value = scalar(readPath(body, mapping?.fields?.[field] ?? field));
    if (field === 'event' || field === 'direction' || field === 'outcome') {
      const map = mapping?.values?.[field];
      // With a value map, a value it does not list counts as absent (default or inference), not as an error:
      // template senders fire one template for several event types.
      if (value !== undefined && map) value = Object.prototype.hasOwnProperty.call(map, String(value)) ? map[String(value)] : undefined;
      value ??= mapping?.defaults?.[field];
    }
    if (value === undefined) continue;
    if (field === 'durationSec' && typeof value === 'string' && /^\d+(\.\d+)?$/.test(value)) value = Number(value);
    else if (typeof value === 'number' && field !== 'durationSec' && !field.endsWith('At')) value = String(value);
    out[field] = value;
  }
  return out;
}

export type GenericCheck = { ok: true; call: GenericCall } | { ok: false; problems: string[] };

/** Maps and validates (ajv fills `event: end`); returns the problems instead of throwing. */
export function readGenericCall(body: Record<string, unknown>, mapping: FieldMapping | undefined): GenericCheck {
  const candidate = applyFieldMapping(body, mapping);
  const validate = compile<GenericCall>(genericCallSchema);
  if (validate(candidate)) return { ok: true, call: candidate };
  return { ok: false, problems: describeErrors(validate.errors) };
}
