/**
 * The slice of the Bot API `Update` the connector reads, and the one rule (shared by the ingress and the
 * mapper) that says which updates can be leads. Keeping it in one place means the webhook refuses, the
 * poller skips and a replay ignores exactly the same updates.
 */
import type { Message, Update, User } from 'node-telegram-bot-api';
import { LeadgateError } from '../../contracts/errors.js';
import { compile, describeErrors } from '../../platform/validation.js';

export type { Message, Update, User };

const integer = { type: 'integer' } as const;

/** Only what the mapper relies on is checked; unknown fields pass, since the Bot API grows every few months. */
const messageSchema = {
  type: 'object',
  required: ['message_id', 'date', 'chat'],
  properties: {
    message_id: integer,
    date: integer,
    chat: { type: 'object', required: ['id', 'type'], properties: { id: integer, type: { type: 'string' } } },
    from: {
      type: 'object',
      required: ['id', 'is_bot', 'first_name'],
      properties: { id: integer, is_bot: { type: 'boolean' }, first_name: { type: 'string' }, last_name: { type: 'string' }, username: { type: 'string' } },
    },
    text: { type: 'string' },
    caption: { type: 'string' },
    contact: {
      type: 'object',
      required: ['phone_number', 'first_name'],
      properties: { phone_number: { type: 'string' }, first_name: { type: 'string' }, user_id: integer },
    },
  },
} as const;

export const updateSchema = {
  $id: 'leadgate/connectors/telegram/update',
  type: 'object',
  required: ['update_id'],
  properties: {
    update_id: { type: 'integer', minimum: 0 },
    message: messageSchema,
    edited_message: messageSchema,
  },
} as const;

/** Throws VALIDATION_FAILED (422) when the body is not a Bot API update the connector can read. */
export function assertUpdate(payload: Record<string, unknown>): Update {
  const validate = compile<Update>(updateSchema);
  if (validate(payload)) return payload;
  const problems = describeErrors(validate.errors);
  throw new LeadgateError('VALIDATION_FAILED', `Not a Telegram update: ${problems.join('; ')}`, { details: { problems } });
}

export type UpdateVerdict = { kind: 'message'; message: Message & { from: User } } | { kind: 'ignore'; reason: string };

/**
 * Which updates are a person writing to the bot:
 * - `message` in a private chat from a human: yes.
 * - `edited_message`: no ("edited message"). The original already made the lead or activity; an edit
 *   would add a second activity with nearly the same text.
 * - a message from a bot (`from.is_bot`): no. Bots cannot start chats with bots, so this is another
 *   integration talking, never a customer.
 * - group, supergroup and channel messages: no. A lead bot is talked to in private; in a group it would
 *   turn every member's chatter into leads.
 * - every other variant (callback_query, my_chat_member, channel_post, business_message, …): no.
 */
export function classifyUpdate(update: Update): UpdateVerdict {
  if ('edited_message' in update) return { kind: 'ignore', reason: 'edited message' };
  if (!('message' in update)) {
    const variant = Object.keys(update).find((k) => k !== 'update_id') ?? 'empty';
    return { kind: 'ignore', reason: `${variant} update` };
  }
  const { message } = update;
  if (!message.from) return { kind: 'ignore', reason: 'message without a sender' };
  if (message.from.is_bot) return { kind: 'ignore', reason: 'message from a bot' };
  if (message.chat.type !== 'private') return { kind: 'ignore', reason: `${message.chat.type} chat message` };
  return { kind: 'message', message: message as Message & { from: User } };
}
