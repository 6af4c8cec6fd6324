import { createHash } from 'node:crypto';
import { simpleParser, type AddressObject, type ParsedMail } from 'mailparser';
import { inDomains } from './email.classify.js';
import type { EmailConfig } from './email.config.js';
import { applyFormRules, type CompiledFormRule } from './email.form-rules.js';
import { CLASSIFYING_HEADERS, INTERNAL_SENDER_FLAG, type ClassifyingHeader, type EmailAddress, type EmailPayload } from './email.payload.js';
import { truncateText } from '../../platform/text/safe-text.js';

export const TRUNCATION_MARKER = '\n[… truncated]';

/** Longest Message-ID used as the provider id; longer (or absent) ones fall back to a hash of the raw bytes. */
const MAX_PROVIDER_ID = 500;

function toAddresses(value: AddressObject | AddressObject[] | undefined): EmailAddress[] {
  const objects = value === undefined ? [] : Array.isArray(value) ? value : [value];
  const out: EmailAddress[] = [];
  const walk = (list: AddressObject['value']): void => {
    for (const a of list) {
      if (a.group) walk(a.group);
      else if (a.address) out.push(a.name ? { address: a.address, name: a.name } : { address: a.address });
    }
  };
  for (const o of objects) walk(o.value);
  return out;
}

/** Raw header lines, unfolded, for the headers the ignore rules need (their raw form: parsed ones lose `<>`). */
function classifyingHeaders(parsed: ParsedMail): Partial<Record<ClassifyingHeader, string>> {
  const wanted = new Set<string>(CLASSIFYING_HEADERS);
  const out: Partial<Record<ClassifyingHeader, string>> = {};
  for (const { key, line } of parsed.headerLines) {
    const name = key.toLowerCase();
    if (!wanted.has(name) || out[name as ClassifyingHeader] !== undefined) continue;
    const value = line.slice(line.indexOf(':') + 1).replace(/\r?\n[ \t]+/g, ' ').trim();
    out[name as ClassifyingHeader] = truncateText(value, 1000);
  }
  return out;
}

function references(value: string | string[] | undefined): string[] {
  const list = value === undefined ? [] : Array.isArray(value) ? value : value.split(/\s+/);
  return list.map((r) => r.trim()).filter((r) => r.length > 0).slice(0, 100);
}

/** Cuts text so that text plus marker fits `maxChars`, on a grapheme boundary. */
export function capText(text: string, maxChars: number): { text: string; truncated: boolean } {
  if (text.length <= maxChars) return { text, truncated: false };
  return { text: truncateText(text, Math.max(0, maxChars - TRUNCATION_MARKER.length)) + TRUNCATION_MARKER, truncated: true };
}

export interface ParsedEmail {
  payload: EmailPayload;
  /** Message-ID when present (and sane), else `sha256:<hex of the raw message>`: stable across resyncs. */
  providerEventId: string;
}

/**
 * MIME → compact payload. mailparser decodes charsets (windows-1251, KOI8-R, … through iconv-lite),
 * transfer encodings and RFC 2047 words, and converts an HTML-only body to text. A message it cannot
 * parse still yields a payload (marked `unparseable`) so one broken message never blocks the mailbox.
 */
export async function parseEmail(source: Buffer, maxBodyChars: number): Promise<ParsedEmail> {
  const hash = `sha256:${createHash('sha256').update(source).digest('hex')}`;
  let parsed: ParsedMail;
  try {
    parsed = await simpleParser(source, { skipTextToHtml: true, skipImageLinks: true, keepCidLinks: true });
  } catch {
    return { payload: { from: [], replyTo: [], to: [], references: [], headers: {}, attachments: [], unparseable: true }, providerEventId: hash };
  }
  const payload: EmailPayload = {
    from: toAddresses(parsed.from),
    replyTo: toAddresses(parsed.replyTo),
    to: toAddresses(parsed.to),
    references: references(parsed.references),
    headers: classifyingHeaders(parsed),
    attachments: parsed.attachments.map((a) => ({
      ...(a.filename ? { filename: a.filename } : {}),
      contentType: a.contentType,
      size: a.size,
    })),
  };
  if (parsed.messageId) payload.messageId = parsed.messageId;
  if (parsed.subject) payload.subject = parsed.subject;
  if (parsed.date && !Number.isNaN(parsed.date.getTime())) payload.date = parsed.date.toISOString();
  if (parsed.inReplyTo) payload.inReplyTo = parsed.inReplyTo.trim();
  const dateLine = parsed.headerLines.find((h) => h.key.toLowerCase() === 'date')?.line;
  if (dateLine) payload.dateHeader = dateLine.slice(dateLine.indexOf(':') + 1).replace(/\r?\n[ \t]+/g, ' ').trim().slice(0, 200);
  const text = (parsed.text ?? '').replace(/\r\n/g, '\n').trim();
  if (text) {
    const capped = capText(text, maxBodyChars);
    payload.text = capped.text;
    if (capped.truncated) payload.textTruncated = true;
  }
  const id = parsed.messageId?.trim();
  return { payload, providerEventId: id && id.length <= MAX_PROVIDER_ID ? id : hash };
}

export interface EmailEvent extends ParsedEmail {
  /** `meta.flags` of the raw event: what the ingress settled with config the mapper cannot see. */
  flags: string[];
}

/**
 * Everything the ingress does to one message before publishing: parse, apply the form rules (their result
 * travels as `payload.extracted`), flag internal senders. A message a form rule matched is never flagged
 * internal: site notifiers often send from the company's own domain.
 */
export async function buildEmailEvent(
  source: Buffer,
  config: Pick<EmailConfig, 'maxBodyChars' | 'internalDomains'>,
  rules: readonly CompiledFormRule[],
): Promise<EmailEvent> {
  const parsed = await parseEmail(source, config.maxBodyChars);
  const flags: string[] = [];
  if (parsed.payload.unparseable) return { ...parsed, flags };
  const extracted = applyFormRules(rules, parsed.payload);
  if (extracted) parsed.payload.extracted = extracted;
  const sender = parsed.payload.from[0]?.address;
  if (!extracted && sender && inDomains(sender, config.internalDomains)) flags.push(INTERNAL_SENDER_FLAG);
  return { ...parsed, flags };
}
