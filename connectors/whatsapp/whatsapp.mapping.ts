import type { LeadDraft, LeadSource, Mapper, MapperInput, MapResult } from '../../contracts/lead-draft.js';
import { contactOf, ignoreReason, isWaBody, splitBody, type WaMessage } from './whatsapp.payload.js';
import { truncateText } from '../../platform/text/safe-text.js';

const MAX_TEXT = 10_000;

/** Message types that are not a person asking for something. */
const ignoredTypes: Record<string, string> = {
  reaction: 'reaction',
  system: 'system message',
};

function record(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

/** What the person sent, as a manager reads it: the text, a button's title, or `[image] caption`. */
function messageText(message: WaMessage): string {
  const part = record(message[message.type]);
  if (message.type === 'text') return text(message.text?.body) ?? '[text]';
  if (message.type === 'button') return text(part?.text) ?? '[button]';
  if (message.type === 'interactive') {
    const reply = record(part?.button_reply) ?? record(part?.list_reply) ?? record(part?.nfm_reply);
    return text(reply?.title) ?? '[interactive]';
  }
  const caption = text(part?.caption);
  return caption ? `[${message.type}] ${caption}` : `[${message.type}]`;
}

/** Click-to-WhatsApp ads carry the ad and its click id; that is the attribution a CRM wants. */
function sourceOf(message: WaMessage): LeadSource | undefined {
  const referral = record(message.referral);
  if (!referral) return undefined;
  const source: LeadSource = {};
  const page = text(referral.source_url);
  const campaign = text(referral.source_id);
  const clid = text(referral.ctwa_clid);
  if (page) source.page = page;
  if (campaign) source.campaign = campaign;
  if (clid) source.clickIds = { ctwa_clid: clid };
  return Object.keys(source).length > 0 ? source : undefined;
}

const digitsOnly = /^[0-9]{5,20}$/;

/**
 * WhatsApp Cloud API webhook (one message per raw event, see `splitBody`) → LeadDraft. Pure.
 * The sender's `wa_id` is both the phone (`+<wa_id>`) and a `whatsapp` identity, so a WhatsApp message
 * joins a contact first known from a form by phone. Since 2026 Meta may withhold the phone of users
 * with a username and send only a business-scoped user id (`US.1349…`): that becomes a
 * `whatsapp_bsuid` identity and the lead is accepted without a phone.
 */
export const mapWhatsAppMessage: Mapper = (input: MapperInput): MapResult => {
  if (!isWaBody(input.payload)) return { kind: 'ignore', reason: 'not a whatsapp webhook' };
  const body = input.payload;
  // The ingress already dropped other numbers; a replay maps whatever was stored.
  const split = splitBody(body, undefined);
  const first = split.events[0];
  if (!first) return { kind: 'ignore', reason: ignoreReason(split) };
  const value = (first.payload as unknown as typeof body).entry[0]?.changes[0]?.value;
  const message = value?.messages?.[0];
  if (!value || !message) return { kind: 'ignore', reason: 'no messages' };
  const ignored = ignoredTypes[message.type];
  if (ignored) return { kind: 'ignore', reason: ignored };

  const contact = contactOf(value, message);
  const waId = [contact?.wa_id, message.from].find((v): v is string => v !== undefined && digitsOnly.test(v));
  const bsuid = [contact?.user_id, message.from_user_id, message.from].find((v): v is string => Boolean(v) && !digitsOnly.test(v ?? ''));
  if (!waId && !bsuid) return { kind: 'ignore', reason: 'message without a sender' };

  const draft: LeadDraft = { kind: 'lead', contact: { ids: [] }, message: truncateText(messageText(message), MAX_TEXT) };
  if (waId) {
    draft.contact.phones = [`+${waId}`];
    draft.contact.ids?.push({ kind: 'whatsapp', value: waId });
  }
  if (bsuid) draft.contact.ids?.push({ kind: 'whatsapp_bsuid', value: bsuid });
  const name = text(contact?.profile?.name);
  if (name) {
    draft.contact.name = truncateText(name, 500);
    draft.contact.profileName = truncateText(name, 500);
  }
  draft.provider = { name: 'whatsapp', chatId: value.metadata.phone_number_id };
  if (text(message.id)) draft.provider.messageId = message.id;
  if (text(message.timestamp)) draft.provider.timestamp = message.timestamp;
  const seconds = Number(message.timestamp);
  if (Number.isFinite(seconds) && seconds > 0) draft.occurredAt = new Date(seconds * 1000).toISOString();
  const source = sourceOf(message);
  if (source) draft.source = source;
  return draft;
};
