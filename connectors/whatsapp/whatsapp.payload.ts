/**
 * The Cloud API webhook body (`object: whatsapp_business_account`), the checks the connector relies on,
 * and how one body is cut into one raw event per message. Shared by the ingress and the mapper.
 */
import { LeadgateError } from '../../contracts/errors.js';
import { compile, describeErrors } from '../../platform/validation.js';

export interface WaContact {
  wa_id?: string;
  /** Business-scoped user id (`US.1349…`), sent since 2026; the only id when the phone is withheld. */
  user_id?: string;
  profile?: { name?: string };
}

export interface WaMessage {
  id: string;
  from?: string;
  /** BSUID of the sender when Meta sends it on the message itself. [u] */
  from_user_id?: string;
  timestamp: string;
  type: string;
  text?: { body?: string };
  [part: string]: unknown;
}

export interface WaValue {
  messaging_product?: string;
  metadata: { phone_number_id: string; display_phone_number?: string };
  contacts?: WaContact[];
  messages?: WaMessage[];
  statuses?: unknown[];
  [key: string]: unknown;
}

export interface WaBody {
  object: string;
  entry: { id?: string; changes: { field: string; value: WaValue }[] }[];
}

const str = { type: 'string' } as const;

export const waBodySchema = {
  $id: 'leadgate/connectors/whatsapp/body',
  type: 'object',
  required: ['object', 'entry'],
  properties: {
    object: str,
    entry: {
      type: 'array',
      maxItems: 1000,
      items: {
        type: 'object',
        required: ['changes'],
        properties: {
          id: str,
          changes: {
            type: 'array',
            maxItems: 1000,
            items: {
              type: 'object',
              required: ['field', 'value'],
              properties: {
                field: str,
                value: {
                  type: 'object',
                  required: ['metadata'],
                  properties: {
                    metadata: { type: 'object', required: ['phone_number_id'], properties: { phone_number_id: str } },
                    contacts: {
                      type: 'array',
                      items: { type: 'object', properties: { wa_id: str, user_id: str, profile: { type: 'object', properties: { name: str } } } },
                    },
                    messages: {
                      type: 'array',
                      items: {
                        type: 'object',
                        required: ['id', 'timestamp', 'type'],
                        properties: { id: { type: 'string', minLength: 1, maxLength: 512 }, from: str, from_user_id: str, timestamp: str, type: str },
                      },
                    },
                    statuses: { type: 'array' },
                  },
                },
              },
            },
          },
        },
      },
    },
  },
} as const;

export function isWaBody(payload: unknown): payload is WaBody {
  return compile<WaBody>(waBodySchema)(payload);
}

/** Throws VALIDATION_FAILED (422) for a body that is not shaped like a Cloud API webhook. */
export function assertWaBody(payload: Record<string, unknown>): WaBody {
  const validate = compile<WaBody>(waBodySchema);
  if (validate(payload)) return payload;
  const problems = describeErrors(validate.errors);
  throw new LeadgateError('VALIDATION_FAILED', `Not a WhatsApp webhook body: ${problems.join('; ')}`, { details: { problems } });
}

/** The contact card Meta sends next to a message: matched by wa_id, then BSUID, then the only one. */
export function contactOf(value: WaValue, message: WaMessage): WaContact | undefined {
  const contacts = value.contacts ?? [];
  return (
    contacts.find((c) => c.wa_id !== undefined && c.wa_id === message.from) ??
    contacts.find((c) => c.user_id !== undefined && (c.user_id === message.from_user_id || c.user_id === message.from)) ??
    (contacts.length === 1 ? contacts[0] : undefined)
  );
}

export interface MessageEvent {
  providerEventId: string;
  /** The body cut down to this one message (and its contact), still in Meta's wire shape. */
  payload: Record<string, unknown>;
}

export interface SplitBody {
  events: MessageEvent[];
  /** Why nothing (or not everything) became an event: status updates, other numbers, other fields. */
  ignored: string[];
}

/**
 * One event per message. A body may batch several messages (even from several people); one event each
 * gives each message its own dedupe key (`<id>:<wamid>`), so a redelivered batch that was half
 * published before a failure publishes only the missing half downstream.
 */
export function splitBody(body: WaBody, phoneNumberId: string | undefined): SplitBody {
  const out: SplitBody = { events: [], ignored: [] };
  if (body.object !== 'whatsapp_business_account') {
    out.ignored.push(`${body.object} object`);
    return out;
  }
  for (const entry of body.entry) {
    for (const change of entry.changes) {
      const { field, value } = change;
      if (field !== 'messages') {
        out.ignored.push(`${field} change`);
        continue;
      }
      if (phoneNumberId !== undefined && value.metadata.phone_number_id !== phoneNumberId) {
        out.ignored.push('another phone number');
        continue;
      }
      if ((value.statuses?.length ?? 0) > 0) out.ignored.push('status update');
      const { messages = [], statuses: _statuses, contacts: _contacts, ...rest } = value;
      for (const message of messages) {
        const contact = contactOf(value, message);
        const sliced: WaValue = { ...rest, metadata: value.metadata, ...(contact ? { contacts: [contact] } : {}), messages: [message] };
        const slice: WaBody = { object: body.object, entry: [{ ...(entry.id ? { id: entry.id } : {}), changes: [{ field, value: sliced }] }] };
        out.events.push({ providerEventId: message.id, payload: slice as unknown as Record<string, unknown> });
      }
    }
  }
  return out;
}

/** The one-line reason for a body that carried no message: the most telling of the ignored parts. */
export function ignoreReason(split: SplitBody): string {
  return split.ignored[0] ?? 'no messages';
}
