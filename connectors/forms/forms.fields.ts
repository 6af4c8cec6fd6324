/**
 * The field vocabulary of web forms: which keys mean name, phone, e-mail, attribution or plumbing.
 * Declarative on purpose: supporting a new form builder's naming is one more alias here.
 */
import { DEFAULT_HONEYPOT_FIELD } from './forms.config.js';

export type FieldRole =
  | 'name'
  | 'firstName'
  | 'lastName'
  | 'phone'
  | 'email'
  | 'message'
  | 'subject'
  | 'page'
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
alias('page', ['page', 'referer', 'referrer', 'page_url', 'pageurl']);
alias('form', ['formid', 'form_id']);
alias('occurredAt', ['submitted_at', 'submittedAt', 'created_at']);
alias('cookies', ['cookies']);
// Ids the gateway reads (dedupe) and the Tilda ping: meaningful to Leadgate, not to a sales manager.
alias('service', ['tranid', 'eventId', 'event_id', 'test', DEFAULT_HONEYPOT_FIELD]);

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
    try {
      value = decodeURIComponent(value);
    } catch {
      // A malformed escape is kept verbatim; a click id is still useful raw.
    }
    if (name && !(name in out)) out[name] = value;
  }
  return out;
}
