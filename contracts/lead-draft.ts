import type { Channel, RawEventV1 } from './raw-event.js';

/** Kinds of identity that can point at a contact. Connectors may declare more (e.g. `vk`). */
export type IdentityKind = 'phone' | 'email' | 'telegram' | 'whatsapp' | (string & {});

export interface CallFacts {
  direction: 'inbound' | 'outbound';
  status: 'missed' | 'answered' | 'busy' | 'cancelled' | 'failed';
  from?: string;
  to?: string;
  durationSec?: number;
  callId: string;
  /** Telephony provider that reported the call (`mango`, `zadarma`, `sipuni`, `call-webhook`). */
  provider?: string;
  /** Our number the call used: the line dialled (inbound) or presented (outbound); the calltracking key. */
  line?: string;
  /** Internal extension that answered or placed the call, when known. */
  extension?: string;
  /** ISO-8601 times of the call's life; `answeredAt` is absent when nobody answered. */
  startedAt?: string;
  answeredAt?: string;
  endedAt?: string;
  /** The precise result; `status` folds every unanswered inbound result into `missed`, this keeps why. */
  outcome?: 'answered' | 'missed' | 'busy' | 'cancelled' | 'failed';
  /** The provider's own wording of the result (`no answer`, `NOANSWER`, `1110`), for audit. */
  rawDisposition?: string;
  /** True when the provider never reported the end and the sweeper closed the call after a timeout. */
  swept?: boolean;
}

export interface LeadSource {
  utm?: Partial<Record<'utm_source' | 'utm_medium' | 'utm_campaign' | 'utm_term' | 'utm_content', string>>;
  /** Click and visit ids: gclid, yclid, fbclid, roistat_visit, _ga, _ym_uid. */
  clickIds?: Record<string, string>;
  /** Form id, landing page, deep-link payload. */
  form?: string;
  page?: string;
  /** The page the visitor came from, when the provider sends it apart from the page of the form. */
  referrer?: string;
  campaign?: string;
}

/**
 * The provider's own ids and time for this request, so a CRM record can be traced back to the provider's
 * record (Tilda submission, PBX call, Telegram update, WhatsApp wamid, e-mail Message-ID). Values are as
 * the provider sent them; `timestamp` is the provider's time verbatim (`occurredAt` is its ISO reading).
 */
export interface ProviderRef {
  /** Connector kind or telephony provider that sent it (`tilda`/`forms`, `mango`, `telegram`, …). */
  name?: string;
  /** The id of the event/delivery itself (Tilda tranid, Telegram update_id, a site's eventId). */
  eventId?: string;
  /** The id of the message (Telegram message_id, WhatsApp wamid, e-mail Message-ID). */
  messageId?: string;
  /** The provider's id of the whole call (Mango entry_id, Zadarma pbx_call_id, Sipuni call_id). */
  callId?: string;
  /** The form or block that was submitted (Tilda formid, a site's form_id). */
  formId?: string;
  /** The chat or conversation the message came from (Telegram chat id, WhatsApp phone_number_id). */
  chatId?: string;
  /** The provider's own timestamp for the request, exactly as sent (unix seconds, local time string). */
  timestamp?: string;
}

/** A file the person attached: described, never carried (the content stays off the bus). */
export interface AttachmentMeta {
  name?: string;
  /** MIME type as declared by the sender. */
  type: string;
  size: number;
  /** The form field the file came in, for multipart uploads. */
  field?: string;
}

/**
 * What a connector's mapper makes of a raw event: a request from a person, still un-normalized
 * (phones as typed, e-mails as typed). The normalizer cleans and resolves it.
 */
export interface LeadDraft {
  kind: 'lead';
  contact: {
    name?: string;
    phones?: string[];
    emails?: string[];
    /** Other identities: telegram user id, whatsapp id, connector-declared kinds. */
    ids?: { kind: IdentityKind; value: string }[];
    /** Handle on the channel (Telegram `username`), without `@`. */
    username?: string;
    /** The name the person shows on the channel (WhatsApp profile name), when it differs from `name`'s source. */
    profileName?: string;
  };
  subject?: string;
  message?: string;
  call?: CallFacts;
  source?: LeadSource;
  /** The provider's ids and timestamp of this request. */
  provider?: ProviderRef;
  /** Files attached to the request (form uploads, e-mail attachments): metadata only. */
  attachments?: AttachmentMeta[];
  /** Extra form fields the mapper did not recognise, kept for the CRM. */
  fields?: Record<string, string>;
  tags?: string[];
  /** ISO-8601 time the person acted, when the provider tells it. */
  occurredAt?: string;
  /** This request's own thread key (an e-mail's Message-ID): later replies that refer to it join its lead. */
  threadKey?: string;
  /** Keys this request replies to (In-Reply-To, References): when one belongs to a lead, the request joins that lead. */
  threadRefs?: string[];
  /** Marks spam that is kept for the record but never delivered (honeypot filled). */
  spam?: boolean;
}

/** A raw event that is deliberately not a lead (test ping, status update, auto-reply). */
export interface IgnoreDraft {
  kind: 'ignore';
  reason: string;
}

export type MapResult = LeadDraft | IgnoreDraft;

export interface MapperInput {
  channel: Channel;
  connectorId: string;
  payload: Record<string, unknown>;
  meta: RawEventV1['meta'];
  receivedAt: string;
  /**
   * The connector instance's settings as configured (`connectors[]` entry), for readings that depend on
   * them, such as a custom honeypot field. Absent when the instance is no longer configured (a replay).
   */
  config?: Readonly<Record<string, unknown>>;
}

/** A pure function from a raw event to a draft. Must not do I/O; throwing means the event goes to the DLQ. */
export type Mapper = (event: MapperInput) => MapResult;

const str = { type: 'string', maxLength: 10000 } as const;
const id = { type: 'string', maxLength: 1000 } as const;

/** Shared by the draft and Lead v1 schemas: additive, so older records without the newer keys stay valid. */
export const leadSourceSchema = {
  type: 'object',
  properties: {
    utm: { type: 'object', additionalProperties: { type: 'string' } },
    clickIds: { type: 'object', additionalProperties: { type: 'string' } },
    form: str,
    page: str,
    referrer: str,
    campaign: str,
  },
} as const;

export const providerRefSchema = {
  type: 'object',
  additionalProperties: false,
  properties: { name: id, eventId: id, messageId: id, callId: id, formId: id, chatId: id, timestamp: id },
} as const;

export const attachmentsSchema = {
  type: 'array',
  maxItems: 100,
  items: {
    type: 'object',
    additionalProperties: false,
    required: ['type', 'size'],
    properties: { name: { type: 'string', maxLength: 1000 }, type: { type: 'string', maxLength: 200 }, size: { type: 'number', minimum: 0 }, field: { type: 'string', maxLength: 200 } },
  },
} as const;

export const leadDraftSchema = {
  $id: 'leadgate/lead-draft',
  type: 'object',
  required: ['kind', 'contact'],
  additionalProperties: false,
  properties: {
    kind: { const: 'lead' },
    contact: {
      type: 'object',
      additionalProperties: false,
      properties: {
        name: { type: 'string', maxLength: 500 },
        phones: { type: 'array', maxItems: 20, items: { type: 'string', maxLength: 100 } },
        emails: { type: 'array', maxItems: 20, items: { type: 'string', maxLength: 320 } },
        ids: {
          type: 'array',
          maxItems: 20,
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['kind', 'value'],
            properties: { kind: { type: 'string', minLength: 1, maxLength: 50 }, value: { type: 'string', minLength: 1, maxLength: 500 } },
          },
        },
        username: { type: 'string', maxLength: 200 },
        profileName: { type: 'string', maxLength: 500 },
      },
    },
    subject: str,
    message: str,
    call: {
      type: 'object',
      required: ['direction', 'status', 'callId'],
      additionalProperties: false,
      properties: {
        direction: { enum: ['inbound', 'outbound'] },
        status: { enum: ['missed', 'answered', 'busy', 'cancelled', 'failed'] },
        from: { type: 'string' },
        to: { type: 'string' },
        durationSec: { type: 'number', minimum: 0 },
        callId: { type: 'string', minLength: 1 },
        provider: { type: 'string', maxLength: 50 },
        line: { type: 'string', maxLength: 100 },
        extension: { type: 'string', maxLength: 100 },
        startedAt: { type: 'string', maxLength: 40 },
        answeredAt: { type: 'string', maxLength: 40 },
        endedAt: { type: 'string', maxLength: 40 },
        outcome: { enum: ['answered', 'missed', 'busy', 'cancelled', 'failed'] },
        rawDisposition: { type: 'string', maxLength: 200 },
        swept: { type: 'boolean' },
      },
    },
    source: leadSourceSchema,
    provider: providerRefSchema,
    attachments: attachmentsSchema,
    fields: { type: 'object', additionalProperties: { type: 'string' } },
    tags: { type: 'array', items: { type: 'string' } },
    occurredAt: { type: 'string' },
    threadKey: { type: 'string', maxLength: 1000 },
    threadRefs: { type: 'array', maxItems: 100, items: { type: 'string', maxLength: 1000 } },
    spam: { type: 'boolean' },
  },
} as const;
