/** The channels a lead can come from. */
export const channels = ['form', 'call', 'email', 'telegram', 'whatsapp'] as const;
export type Channel = (typeof channels)[number];

/**
 * RawEvent v1: a provider's request exactly as received, before any interpretation.
 * Published to `leads.raw.v1` before the provider gets its 2xx; mappers run later, in the normalizer,
 * so a mapper fix can be replayed over stored raw events.
 */
export interface RawEventV1 {
  v: 1;
  /** Unique id Leadgate gives the event (UUID). */
  id: string;
  connector: { id: string; kind: string };
  channel: Channel;
  /** ISO-8601 time the gateway received the request. */
  receivedAt: string;
  /** The provider's own id for this event (Tilda `tranid`, Telegram `update_id`); dedupe uses it. */
  providerEventId?: string;
  /** The provider's body as received, parsed (JSON object or form fields). */
  payload: Record<string, unknown>;
  /** `flags`: what the ingress established before publishing (e.g. `spam` when a honeypot was filled). */
  meta: { remoteIp?: string; userAgent?: string; headers?: Record<string, string>; flags?: string[] };
}

export const rawEventV1Schema = {
  $id: 'leadgate/raw-event/v1',
  type: 'object',
  additionalProperties: false,
  required: ['v', 'id', 'connector', 'channel', 'receivedAt', 'payload', 'meta'],
  properties: {
    v: { const: 1 },
    id: { type: 'string', minLength: 1 },
    connector: {
      type: 'object',
      additionalProperties: false,
      required: ['id', 'kind'],
      properties: { id: { type: 'string', minLength: 1 }, kind: { type: 'string', minLength: 1 } },
    },
    channel: { enum: [...channels] },
    receivedAt: { type: 'string', format: 'date-time' },
    providerEventId: { type: 'string', minLength: 1, maxLength: 512 },
    payload: { type: 'object' },
    meta: {
      type: 'object',
      additionalProperties: false,
      properties: {
        remoteIp: { type: 'string' },
        userAgent: { type: 'string' },
        headers: { type: 'object', additionalProperties: { type: 'string' } },
        flags: { type: 'array', items: { type: 'string' } },
      },
    },
  },
} as const;
