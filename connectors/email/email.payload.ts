/**
 * The raw event payload of one e-mail: what the ingress keeps of the MIME message (never the MIME itself,
 * which can be megabytes of base64). Everything the mapper and the ignore rules need, decoded to UTF-8.
 */

/** Headers the ignore rules read (auto-replies, bulk mail, bounces). Lower-case names, unfolded values. */
export const CLASSIFYING_HEADERS = [
  'auto-submitted',
  'precedence',
  'x-autoreply',
  'x-autorespond',
  'x-auto-response-suppress',
  'content-type',
  'return-path',
  'list-id',
] as const;
export type ClassifyingHeader = (typeof CLASSIFYING_HEADERS)[number];

export interface EmailAddress {
  address: string;
  name?: string;
}

export interface AttachmentMeta {
  filename?: string;
  contentType: string;
  size: number;
}

/** What a form rule found in a site's notification e-mail: the visitor, not the notifier. */
export interface ExtractedForm {
  rule: string;
  name?: string;
  phones: string[];
  emails: string[];
  message?: string;
  /** Fields the rule defines beyond the contact ones (`city`, `product`). */
  fields: Record<string, string>;
}

export interface EmailPayload {
  /** Angle brackets included, as in the header. */
  messageId?: string;
  from: EmailAddress[];
  replyTo: EmailAddress[];
  to: EmailAddress[];
  subject?: string;
  /** The Date header, ISO-8601. */
  date?: string;
  /** The Date header exactly as written (`Wed, 22 May 2024 16:20:45 +0300`). */
  dateHeader?: string;
  inReplyTo?: string;
  references: string[];
  headers: Partial<Record<ClassifyingHeader, string>>;
  /** The text part, or the HTML part converted to text when there is no text part. */
  text?: string;
  /** True when `text` was cut at `maxBodyChars`. */
  textTruncated?: boolean;
  attachments: AttachmentMeta[];
  extracted?: ExtractedForm;
  /** Where the message was read; for tracing only (UIDs change on a resync, so dedupe never uses them). */
  imap?: { folder: string; uid: number; uidValidity: string };
  /** The MIME could not be parsed; kept so the checkpoint can move on, ignored by the mapper. */
  unparseable?: boolean;
}

/** Flag the ingress sets in `meta.flags` when the sender is in `internalDomains` (config the mapper cannot see). */
export const INTERNAL_SENDER_FLAG = 'internal-sender';

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const optString = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string' && x.length > 0) : []);

function addresses(v: unknown): EmailAddress[] {
  if (!Array.isArray(v)) return [];
  const out: EmailAddress[] = [];
  for (const a of v) {
    if (!isRecord(a) || typeof a.address !== 'string' || a.address === '') continue;
    const name = optString(a.name);
    out.push(name ? { address: a.address, name } : { address: a.address });
  }
  return out;
}

function extracted(v: unknown): ExtractedForm | undefined {
  if (!isRecord(v) || typeof v.rule !== 'string') return undefined;
  const fields: Record<string, string> = {};
  if (isRecord(v.fields)) for (const [k, x] of Object.entries(v.fields)) if (typeof x === 'string') fields[k] = x;
  const out: ExtractedForm = { rule: v.rule, phones: strings(v.phones), emails: strings(v.emails), fields };
  const name = optString(v.name);
  const message = optString(v.message);
  if (name) out.name = name;
  if (message) out.message = message;
  return out;
}

/**
 * Reads a payload back from the bus defensively (it crossed a process boundary as JSON): wrong types are
 * dropped, never trusted. Pure.
 */
export function readEmailPayload(payload: Record<string, unknown>): EmailPayload {
  const headers: Partial<Record<ClassifyingHeader, string>> = {};
  if (isRecord(payload.headers)) {
    for (const name of CLASSIFYING_HEADERS) {
      const value = payload.headers[name];
      if (typeof value === 'string') headers[name] = value;
    }
  }
  const out: EmailPayload = {
    from: addresses(payload.from),
    replyTo: addresses(payload.replyTo),
    to: addresses(payload.to),
    references: strings(payload.references),
    headers,
    attachments: Array.isArray(payload.attachments)
      ? payload.attachments.filter(isRecord).map((a) => ({
          ...(optString(a.filename) ? { filename: a.filename as string } : {}),
          contentType: optString(a.contentType) ?? 'application/octet-stream',
          size: typeof a.size === 'number' ? a.size : 0,
        }))
      : [],
  };
  for (const key of ['messageId', 'subject', 'date', 'dateHeader', 'inReplyTo', 'text'] as const) {
    const value = optString(payload[key]);
    if (value !== undefined) out[key] = value;
  }
  if (payload.textTruncated === true) out.textTruncated = true;
  if (payload.unparseable === true) out.unparseable = true;
  const form = extracted(payload.extracted);
  if (form) out.extracted = form;
  return out;
}
