import type { LeadDraft, Mapper, MapperInput, MapResult } from '../../contracts/lead-draft.js';
import { attributionInText, phonesInText } from './email.attribution.js';
import { classifyEmail, EMAIL_IGNORE_REASONS } from './email.classify.js';
import { readEmailPayload, type AttachmentMeta, type EmailAddress, type EmailPayload } from './email.payload.js';
import { truncateText } from '../../platform/text/safe-text.js';

const MAX_NAME = 500;
const MAX_TEXT = 10_000;
const MAX_THREAD_KEY = 1000;
/**
 * Region for phones written in a body without a country code (`8 916 …`); numbers written with `+` are
 * read as written. The mapper is pure and the mailbox config has no region, so this is fixed and documented.
 */
export const BODY_PHONE_REGION = 'RU';

const unique = (values: string[]): string[] => [...new Set(values)];

function describeAttachments(list: AttachmentMeta[]): string {
  return list.map((a) => `${a.filename ?? '(unnamed)'} (${a.contentType}, ${a.size} B)`).join('; ');
}

/** The person to answer: Reply-To when the sender set one (forms, shared mailboxes), else From. */
function contactAddress(p: EmailPayload): EmailAddress | undefined {
  return p.replyTo[0] ?? p.from[0];
}

function threadRefs(p: EmailPayload): string[] {
  const refs = unique([...(p.inReplyTo ? [p.inReplyTo] : []), ...p.references]).filter((r) => r.length <= MAX_THREAD_KEY);
  return refs.slice(0, 100);
}

/** A site notification: the visitor's identities from the extracted fields, never the notifier's address. */
function formContact(p: EmailPayload, draft: LeadDraft): void {
  const form = p.extracted;
  if (!form) return;
  const emails = [...form.emails];
  // Many notifiers put the visitor's address into Reply-To; the notifier's own From is never the visitor.
  const reply = p.replyTo[0]?.address;
  if (emails.length === 0 && reply && !p.from.some((f) => f.address.toLowerCase() === reply.toLowerCase())) emails.push(reply);
  if (form.name) draft.contact.name = truncateText(form.name, MAX_NAME);
  if (form.phones.length > 0) draft.contact.phones = unique(form.phones).slice(0, 20);
  if (emails.length > 0) draft.contact.emails = unique(emails).slice(0, 20);
  if (form.message) draft.message = truncateText(form.message, MAX_TEXT);
  if (Object.keys(form.fields).length > 0) draft.fields = { ...form.fields };
  draft.source = { form: form.rule };
}

/**
 * E-mail → LeadDraft. Pure: everything config-dependent (internal domains, form rules) was settled by the
 * ingress and travels in the payload (`extracted`) or in `meta.flags` (`internal-sender`).
 *
 * - Not leads (`ignore` with a reason): bounces/DSNs, auto-replies and out-of-office, bulk mail, internal
 *   senders, messages without any sender (see `classifyEmail`).
 * - Contact: Reply-To wins over From; the display name is the contact's name.
 * - Threading: `threadKey` is this Message-ID, `threadRefs` are In-Reply-To + References, so the normalizer
 *   attaches a reply to the lead its thread started.
 */
export const mapEmail: Mapper = (input: MapperInput): MapResult => {
  const p = readEmailPayload(input.payload);
  const ignored = classifyEmail(p, input.meta.flags ?? []);
  if (ignored) return { kind: 'ignore', reason: EMAIL_IGNORE_REASONS[ignored] };

  const draft: LeadDraft = { kind: 'lead', contact: {} };
  if (p.extracted) {
    formContact(p, draft);
    if (!draft.contact.phones && !draft.contact.emails) return { kind: 'ignore', reason: 'form notification without contact details' };
    // Without a message field the whole notification is the best context a manager gets.
    if (!draft.message && p.text) draft.message = truncateText(p.text, MAX_TEXT);
  } else {
    const who = contactAddress(p);
    if (!who) return { kind: 'ignore', reason: EMAIL_IGNORE_REASONS.no_sender };
    draft.contact.emails = [who.address];
    const name = who.name ?? p.from.find((f) => f.address === who.address)?.name;
    if (name) draft.contact.name = truncateText(name, MAX_NAME);
    if (p.text) draft.message = truncateText(p.text, MAX_TEXT);
  }
  if (p.subject) draft.subject = truncateText(p.subject, MAX_TEXT);
  if (p.attachments.length > 0) {
    draft.fields = { ...draft.fields, attachments: truncateText(describeAttachments(p.attachments), MAX_TEXT) };
    draft.attachments = p.attachments.slice(0, 100).map((a) => ({ ...(a.filename ? { name: a.filename } : {}), type: a.contentType, size: a.size }));
  }
  if (p.extracted) {
    const found = attributionInText(p.text);
    if (Object.keys(found).length > 0) draft.source = { ...found, ...draft.source };
  }
  // Written in the body, so kept for the CRM; an identity only when a form rule extracted it.
  const contactPhones = new Set(draft.contact.phones ?? []);
  const bodyPhones = phonesInText(p.text, BODY_PHONE_REGION).filter((n) => !contactPhones.has(n));
  if (bodyPhones.length > 0) draft.fields = { ...draft.fields, phones_in_body: bodyPhones.join(', ') };
  draft.provider = { name: 'email' };
  if (p.messageId) draft.provider.messageId = p.messageId.slice(0, MAX_THREAD_KEY);
  if (p.dateHeader) draft.provider.timestamp = p.dateHeader.slice(0, MAX_THREAD_KEY);
  draft.occurredAt = p.date ?? input.receivedAt;
  if (p.messageId && p.messageId.length <= MAX_THREAD_KEY) draft.threadKey = p.messageId;
  const refs = threadRefs(p);
  if (refs.length > 0) draft.threadRefs = refs;
  return draft;
};
