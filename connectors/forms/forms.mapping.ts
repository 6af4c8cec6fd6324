import type { AttachmentMeta, LeadDraft, LeadSource, Mapper, MapperInput, MapResult, ProviderRef } from '../../contracts/lead-draft.js';
import { DEFAULT_HONEYPOT_FIELD } from './forms.config.js';
import { clickIdKeys, FILES_KEY, flattenPayload, hasPersonFields, isTildaTest, parseCookieString, parseTildaUtm, roleOf, type UtmKey } from './forms.fields.js';
import { truncateText } from '../../platform/text/safe-text.js';

const MAX_NAME = 500;
const MAX_TEXT = 10_000;

function unique(values: string[]): string[] {
  return [...new Set(values)];
}

/** `GA1.2.6542754367.1545651155` → `6542754367.1545651155`, the client id analytics APIs want. */
function gaClientId(cookie: string): string | undefined {
  const m = /^GA\d+\.\d+\.(\d+\.\d+)$/.exec(cookie);
  return m?.[1];
}

/** The ingress's description of a multipart body's files; anything else under the key is ignored. */
function attachmentsOf(value: unknown): AttachmentMeta[] {
  if (!Array.isArray(value)) return [];
  const out: AttachmentMeta[] = [];
  for (const f of value.slice(0, 100)) {
    if (f === null || typeof f !== 'object') continue;
    const { field, filename, mimeType, sizeBytes } = f as Record<string, unknown>;
    const meta: AttachmentMeta = { type: typeof mimeType === 'string' ? mimeType : 'application/octet-stream', size: typeof sizeBytes === 'number' ? sizeBytes : 0 };
    if (typeof filename === 'string' && filename) meta.name = filename.slice(0, 1000);
    if (typeof field === 'string' && field) meta.field = field.slice(0, 200);
    out.push(meta);
  }
  return out;
}

/**
 * The instance's honeypot field, read from the payload as the ingress reads it: filled means a bot. Checked
 * here too so a replay, or an event published before a flag existed, is marked the same way.
 */
function honeypotOf(input: MapperInput): { field: string; filled: boolean } {
  const configured = input.config?.honeypotField;
  const field = typeof configured === 'string' && configured ? configured : DEFAULT_HONEYPOT_FIELD;
  return { field, filled: flattenPayload({ hp: input.payload[field] }).length > 0 };
}

function isoOrUndefined(text: string | undefined): string | undefined {
  if (!text) return undefined;
  const t = Date.parse(text);
  return Number.isNaN(t) ? undefined : new Date(t).toISOString();
}

/**
 * Web forms (Tilda, Contact Form 7, plain HTML, a site's own fetch()) → LeadDraft. Pure.
 *
 * Decision on submissions without a phone or e-mail: they are still leads when a person typed anything
 * (a name, a message, an unrecognised field). Visitors often write "call me on …" into the only textarea,
 * and a dropped lead costs more than an unreachable one a manager can discard. Only a submission with
 * nothing a person typed (just ids, UTM or cookies) is ignored, with reason `no contact details`; the
 * ingress refuses such a post with 422 up front using the same rule (`hasPersonFields`).
 */
export const mapFormSubmission: Mapper = (input: MapperInput): MapResult => {
  const { payload } = input;
  if (isTildaTest(payload)) return { kind: 'ignore', reason: 'test request' };
  const honeypot = honeypotOf(input);
  if (!hasPersonFields(payload, honeypot.field)) return { kind: 'ignore', reason: 'no contact details' };

  let name: string | undefined;
  let firstName: string | undefined;
  let lastName: string | undefined;
  const phones: string[] = [];
  const emails: string[] = [];
  const messages: string[] = [];
  let subject: string | undefined;
  let occurredAt: string | undefined;
  const provider: ProviderRef = {};
  const source: LeadSource = {};
  const utm: Partial<Record<UtmKey, string>> = {};
  const clickIds: Record<string, string> = {};
  const fields: Record<string, string> = {};
  let cookies: Record<string, string> = {};

  for (const { path, key, values } of flattenPayload(payload)) {
    // A bot's bait, never a person's field: not passed on to the CRM.
    if (key === honeypot.field) continue;
    const first = values[0] ?? '';
    switch (roleOf(key)) {
      case 'name':
        name ??= values.join(' ');
        break;
      case 'firstName':
        firstName ??= first;
        break;
      case 'lastName':
        lastName ??= first;
        break;
      case 'phone':
        phones.push(...values);
        break;
      case 'email':
        emails.push(...values);
        break;
      case 'message':
        messages.push(...values);
        break;
      case 'subject':
        subject ??= first;
        break;
      case 'page':
        source.page ??= first;
        break;
      case 'referrer':
        source.referrer ??= first;
        break;
      case 'form':
        source.form ??= first;
        provider.formId ??= first;
        break;
      case 'eventId':
        provider.eventId ??= first;
        break;
      case 'utm':
        utm[key.toLowerCase() as UtmKey] ??= first;
        break;
      case 'clickId': {
        const id = clickIdKeys[key.toLowerCase()];
        if (id) clickIds[id] ??= first;
        break;
      }
      case 'cookies':
        cookies = parseCookieString(values.join('; '));
        break;
      case 'occurredAt':
        if (occurredAt === undefined && isoOrUndefined(first)) {
          occurredAt = isoOrUndefined(first);
          provider.timestamp = first;
        }
        break;
      case 'service':
      case 'junk':
        break;
      default:
        fields[path] = truncateText(values.join(', '), MAX_TEXT);
    }
  }

  // A hidden form field is set by the page at submit time; a cookie may be older, so fields win.
  for (const [cookieName, value] of Object.entries(cookies)) {
    const id = clickIdKeys[cookieName.toLowerCase()];
    if (id && value) clickIds[id] ??= value;
  }
  // Tilda keeps the campaign in its own cookie; fields the page set at submit time win.
  for (const [k, v] of Object.entries(cookies.TILDAUTM ? parseTildaUtm(cookies.TILDAUTM) : {})) utm[k as UtmKey] ??= v;
  const ga = clickIds._ga ? gaClientId(clickIds._ga) : undefined;
  if (ga) clickIds.ga_client_id = ga;

  if (Object.keys(utm).length > 0) source.utm = utm;
  if (Object.keys(clickIds).length > 0) source.clickIds = clickIds;
  name ??= [firstName, lastName].filter((p): p is string => Boolean(p)).join(' ') || undefined;

  const draft: LeadDraft = { kind: 'lead', contact: {}, occurredAt: occurredAt ?? input.receivedAt };
  if (name) draft.contact.name = truncateText(name, MAX_NAME);
  if (phones.length > 0) draft.contact.phones = unique(phones).slice(0, 20);
  if (emails.length > 0) draft.contact.emails = unique(emails).slice(0, 20);
  if (subject) draft.subject = truncateText(subject, MAX_TEXT);
  if (messages.length > 0) draft.message = truncateText(messages.join('\n\n'), MAX_TEXT);
  if (Object.keys(source).length > 0) draft.source = source;
  if (Object.keys(fields).length > 0) draft.fields = fields;
  if (Object.keys(provider).length > 0) draft.provider = payload.tranid !== undefined ? { name: 'tilda', ...provider } : provider;
  const attachments = attachmentsOf(payload[FILES_KEY]);
  if (attachments.length > 0) draft.attachments = attachments;
  if (honeypot.filled || input.meta.flags?.includes('spam')) draft.spam = true;
  return draft;
};
