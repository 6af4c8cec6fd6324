import type { LeadDraft, LeadSource, Mapper, MapperInput, MapResult } from '../../contracts/lead-draft.js';
import { DEFAULT_HONEYPOT_FIELD } from './forms.config.js';
import { clickIdKeys, flattenPayload, hasPersonFields, isTildaTest, parseCookieString, roleOf, type UtmKey } from './forms.fields.js';

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
      case 'form':
        source.form ??= first;
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
        occurredAt ??= isoOrUndefined(first);
        break;
      case 'service':
      case 'junk':
        break;
      default:
        fields[path] = values.join(', ').slice(0, MAX_TEXT);
    }
  }

  // A hidden form field is set by the page at submit time; a cookie may be older, so fields win.
  for (const [cookieName, value] of Object.entries(cookies)) {
    const id = clickIdKeys[cookieName.toLowerCase()];
    if (id && value) clickIds[id] ??= value;
  }
  const ga = clickIds._ga ? gaClientId(clickIds._ga) : undefined;
  if (ga) clickIds.ga_client_id = ga;

  if (Object.keys(utm).length > 0) source.utm = utm;
  if (Object.keys(clickIds).length > 0) source.clickIds = clickIds;
  name ??= [firstName, lastName].filter((p): p is string => Boolean(p)).join(' ') || undefined;

  const draft: LeadDraft = { kind: 'lead', contact: {}, occurredAt: occurredAt ?? input.receivedAt };
  if (name) draft.contact.name = name.slice(0, MAX_NAME);
  if (phones.length > 0) draft.contact.phones = unique(phones).slice(0, 20);
  if (emails.length > 0) draft.contact.emails = unique(emails).slice(0, 20);
  if (subject) draft.subject = subject.slice(0, MAX_TEXT);
  if (messages.length > 0) draft.message = messages.join('\n\n').slice(0, MAX_TEXT);
  if (Object.keys(source).length > 0) draft.source = source;
  if (Object.keys(fields).length > 0) draft.fields = fields;
  if (honeypot.filled || input.meta.flags?.includes('spam')) draft.spam = true;
  return draft;
};
