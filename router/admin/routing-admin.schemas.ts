import { channels } from '../../contracts/raw-event.js';

/**
 * JSON Schemas of the routing admin API's request bodies (ajv, `additionalProperties: false`), so a typo
 * such as `tag` for `tags` is a 422 naming the key rather than a silently different answer.
 */

const isoTime = { type: 'string', format: 'date-time' } as const;
const e164 = { type: 'string', pattern: '^\\+\\d{6,15}$' } as const;

export interface AvailabilityBody {
  available: boolean;
}

export const availabilityBodySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['available'],
  properties: { available: { type: 'boolean' } },
} as const;

export interface FirstResponseBody {
  /** When the first response happened; default: now. */
  at?: string;
}

export const firstResponseBodySchema = {
  type: 'object',
  additionalProperties: false,
  properties: { at: isoTime },
} as const;

/** The facts routing looks at, in the shape of a Lead v1, plus the moment to decide for. */
export interface DryRunBody {
  channel: (typeof channels)[number];
  connectorId?: string;
  source?: { utm?: Record<string, string> };
  tags?: string[];
  contact?: { phones?: string[]; ownerId?: string };
  at?: string;
}

export const dryRunBodySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['channel'],
  properties: {
    channel: { enum: channels },
    connectorId: { type: 'string', minLength: 1 },
    source: {
      type: 'object',
      additionalProperties: false,
      properties: { utm: { type: 'object', additionalProperties: { type: 'string' } } },
    },
    tags: { type: 'array', items: { type: 'string' } },
    contact: {
      type: 'object',
      additionalProperties: false,
      properties: { phones: { type: 'array', items: e164 }, ownerId: { type: 'string', minLength: 1 } },
    },
    at: isoTime,
  },
} as const;
