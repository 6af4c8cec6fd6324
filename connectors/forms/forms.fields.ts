/**
 * The field vocabulary of web forms: which keys mean name, phone, e-mail, attribution or plumbing.
 * Declarative on purpose: supporting a new form builder's naming is one more alias here.
 */
import { DEFAULT_HONEYPOT_FIELD } from './forms.config.js';

/**
 * Payload key under which the ingress lists a multipart body's files (field, name, type, size; never the
 * content). The ingress always overwrites or removes it, so a sender cannot forge it.
 */
export const FILES_KEY = '__leadgate_files';

export type FieldRole =
  | 'name'
  | 'firstName'
  | 'lastName'
  | 'phone'
  | 'email'
  | 'message'
  | 'subject'
  | 'page'
  | 'referrer'
  | 'eventId'
  | 'form'
  | 'utm'
  | 'clickId'
  | 'cookies'
  | 'occurredAt'
  | 'service'
  | 'junk';

/** Folds case and separators so `Your-Name`, `your_name` and `yourName` meet; Cyrillic survives lower-casing. */
export function foldKey(key: string): string {
  return key.toLowerCase().replace(/[\s_\-.[\]]/g, '');
}

const byFoldedKey: Record<string, FieldRole> = {};
function alias(role: FieldRole, keys: string[]): void {
  for (const k of keys) byFoldedKey[foldKey(k)] = role;
}

alias('name', ['name', 'fio', 'your-name', 'full_name', 'contact_name', 'client_name', 'имя', 'фио']);
alias('firstName', ['first_name', 'fname', 'given_name', 'firstname']);
alias('lastName', ['last_name', 'lname', 'surname', 'family_name', 'фамилия']);
alias('phone', ['phone', 'tel', 'your-tel', 'your-phone', 'telephone', 'phone_number', 'mobile', 'mobile_phone', 'телефон']);
alias('email', ['email', 'e-mail', 'your-email', 'mail', 'email_address', 'почта', 'электронная почта']);
alias('message', ['message', 'comment', 'comments', 'text', 'your-message', 'question', 'сообщение', 'комментарий', 'вопрос']);
alias('subject', ['subject', 'your-subject', 'тема']);
// Tilda's `referer` is the page the form is on (its own spelling); `referrer` is where the visitor came from.
alias('page', ['page', 'referer', 'page_url', 'pageurl', 'url', 'landing_page']);
alias('referrer', ['referrer', 'document_referrer', 'http_referrer', 'ref_url']);
alias('form', ['formid', 'form_id']);
alias('occurredAt', ['submitted_at', 'submittedAt', 'created_at']);
alias('cookies', ['cookies']);
// Ids the gateway dedupes on: carried as `provider.eventId`, not as a field.
alias('eventId', ['tranid', 'eventId', 'event_id']);
// The Tilda ping, the honeypot and the ingress's file list: meaningful to Leadgate, not to a sales manager.
alias('service', ['test', '_charset_', DEFAULT_HONEYPOT_FIELD, FILES_KEY]);

/** Second phones and e-mails: `phone2`, `tel_2`, `email-3`. */
const numberedPhone = /^(phone|tel|telephone)\d{1,2}$/;
const numberedEmail = /^(email|mail)\d{1,2}$/;

export const utmKeys = ['utm_source', 'utm_medium', 'utm_campaign', 'utm_term', 'utm_content'] as const;
export type UtmKey = (typeof utmKeys)[number];

/** Click and visit ids, matched by exact lower-case key because `_ga` folded would be an unremarkable `ga`. */
export const clickIdKeys: Record<string, string> = {
  gclid: 'gclid',
  yclid: 'yclid',
  fbclid: 'fbclid',
  wbraid: 'wbraid',
  gbraid: 'gbraid',
  roistat_visit: 'roistat_visit',
  // Roistat's hidden-field variant names the same visit id.
  roistat: 'roistat_visit',
  _ga: '_ga',
  _ym_uid: '_ym_uid',
};

/** Anti-bot tokens, form-plugin plumbing and anything that smells of a credential: never sent to the CRM. */
const junkPattern = /^(g-recaptcha-response|h-captcha-response|cf-turnstile-response|_wpcf7.*|_wpnonce|.*(token|secret|password|passwd).*)$/i;

export function roleOf(key: string): FieldRole | undefined {
  const lower = key.toLowerCase();
  if (clickIdKeys[lower]) return 'clickId';
  if ((utmKeys as readonly string[]).includes(lower)) return 'utm';
  if (junkPattern.test(key)) return 'junk';
  const folded = foldKey(key);
  const direct = byFoldedKey[folded];
  if (direct) return direct;
  if (numberedPhone.test(folded)) return 'phone';
  if (numberedEmail.test(folded)) return 'email';
  return undefined;
}

/** One leaf of the payload: its path (`contact.phone`), the key that names it, and its non-empty texts. */
export interface FieldEntry {
  path: string;
  key: string;
  values: string[];
}

function textsOf(value: unknown): string[] {
  if (typeof value === 'string') return value.trim() === '' ? [] : [value.trim()];
  if (typeof value === 'number' || typeof value === 'boolean') return [String(value)];
  if (Array.isArray(value)) return value.flatMap(textsOf);
  return [];
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * Flattens a payload to leaves, in payload order. Nested JSON objects (`{contact:{phone}}`) are walked so a
 * site's own fetch() shape still maps; depth is capped because the payload is untrusted.
 */
export function flattenPayload(payload: Record<string, unknown>, prefix = '', depth = 0): FieldEntry[] {
  const out: FieldEntry[] = [];
  for (const [key, value] of Object.entries(payload)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (isPlainObject(value)) {
      if (depth < 3) out.push(...flattenPayload(value, path, depth + 1));
      continue;
    }
    const values = textsOf(value);
    if (values.length > 0) out.push({ path, key, values });
  }
  return out;
}

/** Tilda's test ping: `test=test` and nothing a person typed. */
export function isTildaTest(payload: Record<string, unknown>): boolean {
  if (payload.test !== 'test') return false;
  return flattenPayload(payload).every((e) => e.key === 'test');
}

/** Roles that carry something a person typed (as opposed to attribution and plumbing). */
const personRoles = new Set<FieldRole | undefined>(['name', 'firstName', 'lastName', 'phone', 'email', 'message', 'subject', undefined]);

/** Roles whose value is one text: an object or an array of objects there is a sender's bug, not data. */
export const textRoles = new Set<FieldRole>(['name', 'firstName', 'lastName', 'subject', 'page', 'referrer', 'eventId', 'form', 'utm', 'clickId', 'cookies', 'occurredAt']);

/**
 * True when the submission carries anything a person typed: a contact, a name, a message or any
 * unrecognised field. The honeypot is excluded by the caller. Shared by the ingress (to refuse empty posts
 * with 422) and the mapper (to ignore them on replay), so both apply one rule.
 */
export function hasPersonFields(payload: Record<string, unknown>, honeypotField = DEFAULT_HONEYPOT_FIELD): boolean {
  return flattenPayload(payload).some((e) => e.key !== honeypotField && personRoles.has(roleOf(e.key)));
}

/** Parses a raw cookie header string (`a=b; c=d`); values may be percent-encoded. */
export function parseCookieString(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of text.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    let value = part.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
    // A malformed escape is kept verbatim; a click id is still useful raw.
    value = safeDecode(value);
    if (name && !(name in out)) out[name] = value;
  }
  return out;
}

/**
 * Tilda's `TILDAUTM` cookie: `utm_source=…|||utm_medium=…`, percent-encoded once more than the cookie
 * string around it (values such as a Cyrillic `utm_term` are encoded a third time). Only `utm_*` keys are
 * taken; a malformed escape keeps the value verbatim.
 */
export function parseTildaUtm(value: string): Partial<Record<UtmKey, string>> {
  const out: Partial<Record<UtmKey, string>> = {};
  let text = value;
  // The cookie reader decoded one layer; a body that was encoded once less still carries `%7C%7C%7C`.
  if (!text.includes('|||') && /%7C/i.test(text)) text = safeDecode(text);
  for (const part of text.split('|||')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const key = safeDecode(part.slice(0, eq)).trim().toLowerCase();
    const raw = part.slice(eq + 1);
    const decoded = safeDecode(raw.replace(/\+/g, ' ')).trim();
    if ((utmKeys as readonly string[]).includes(key) && decoded && !(key in out)) out[key as UtmKey] = decoded;
  }
  return out;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
