import type { LeadDraft, Mapper, MapperInput, MapResult } from '../../contracts/lead-draft.js';
import { classifyUpdate, updateSchema, type Message, type Update, type User } from './telegram.update.js';
import { compile } from '../../platform/validation.js';
import { truncateText } from '../../platform/text/safe-text.js';

const MAX_TEXT = 10_000;

/** Message kinds without text, named so a manager sees that something was sent: `[photo]`, `[voice]`. */
const mediaKinds = ['photo', 'video', 'video_note', 'voice', 'audio', 'document', 'sticker', 'animation', 'location', 'venue', 'poll', 'dice'] as const;

/**
 * `/start <payload>` from a `t.me/<bot>?start=<payload>` link (the deep-link alphabet is `[A-Za-z0-9_-]`,
 * up to 64 characters). `@botname` may follow the command when it was typed in a group-style client.
 */
const startCommand = /^\/start(?:@\w+)?(?:\s+([A-Za-z0-9_-]{1,64}))?\s*$/;

export function deepLinkPayload(text: string | undefined): string | undefined {
  return text === undefined ? undefined : startCommand.exec(text)?.[1];
}

/** Telegram gives contact numbers as digits, sometimes with `+`; the normalizer reads `+<digits>` unambiguously. */
export function internationalPhone(raw: string): string | undefined {
  const digits = raw.replace(/\D/g, '');
  return digits.length >= 5 ? `+${digits}` : undefined;
}

function fullName(user: Pick<User, 'first_name' | 'last_name'>): string | undefined {
  const name = [user.first_name, user.last_name].filter((p): p is string => Boolean(p?.trim())).join(' ').trim();
  return name || undefined;
}

function messageText(message: Message, from: User): { text?: string; ownPhone?: string; sharedContact?: string } {
  if (message.contact) {
    const phone = internationalPhone(message.contact.phone_number);
    // Someone else's card is a referral at best: kept for the manager, never an identity of the sender.
    if (message.contact.user_id === from.id) return { text: '[contact]', ...(phone ? { ownPhone: phone } : {}) };
    const card = [fullName(message.contact), message.contact.phone_number].filter(Boolean).join(' ');
    return { text: '[contact]', sharedContact: card };
  }
  if (message.text !== undefined) return { text: message.text };
  const kind = mediaKinds.find((k) => k in message);
  const label = kind ? `[${kind}]` : undefined;
  const caption = message.caption?.trim();
  if (label && caption) return { text: `${label} ${caption}` };
  return label ? { text: label } : {};
}

/**
 * Telegram Bot API update → LeadDraft. Pure.
 * The sender is the contact (identity `telegram:<from.id>`); a chat's later messages join the same lead
 * through that identity and the merge window, so no thread key is set. Which updates are ignored, and
 * why, is decided in `classifyUpdate`.
 */
export const mapTelegramUpdate: Mapper = (input: MapperInput): MapResult => {
  if (!compile<Update>(updateSchema)(input.payload)) return { kind: 'ignore', reason: 'not a telegram update' };
  const verdict = classifyUpdate(input.payload as Update);
  if (verdict.kind === 'ignore') return verdict;
  const { message } = verdict;
  const { from } = message;

  const draft: LeadDraft = {
    kind: 'lead',
    contact: { ids: [{ kind: 'telegram', value: String(from.id) }] },
    occurredAt: new Date(message.date * 1000).toISOString(),
  };
  const name = fullName(from);
  if (name) draft.contact.name = truncateText(name, 500);
  if (from.username) draft.contact.username = from.username;
  const update = input.payload as Update;
  // Ids as Telegram numbers them: update_id is per bot, message_id per chat, so the chat id completes it.
  draft.provider = {
    name: 'telegram',
    eventId: String(update.update_id),
    messageId: String(message.message_id),
    chatId: String(message.chat.id),
    timestamp: String(message.date),
  };

  const { text, ownPhone, sharedContact } = messageText(message, from);
  if (ownPhone) draft.contact.phones = [ownPhone];
  if (text) draft.message = truncateText(text, MAX_TEXT);
  if (sharedContact) draft.fields = { sharedContact: truncateText(sharedContact, MAX_TEXT) };
  const campaign = deepLinkPayload(message.text);
  if (campaign) draft.source = { campaign };
  return draft;
};
