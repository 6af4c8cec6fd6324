/**
 * Which charset a form body's text is in, and decoding it without ever producing U+FFFD.
 *
 * Order of evidence: the `charset=` parameter of the Content-Type, then the body's own `_charset_` field
 * (the HTML convention: a hidden input named `_charset_` is filled by the browser with the encoding it
 * used), then valid UTF-8, then the connector's fallback (default `windows-1251`, what legacy Russian
 * sites post without saying so). Text that does not decode cleanly in the chosen charset is refused with
 * 400 `BAD_REQUEST`, `details.reason = undecodable_text`: a lead with `����` in the name helps nobody.
 */
import iconv from 'iconv-lite';
import { LeadgateError } from '../../contracts/errors.js';

export const DEFAULT_FALLBACK_CHARSET = 'windows-1251';
/** The form field a browser fills with the encoding it used (HTML Living Standard, "_charset_"). */
export const CHARSET_FIELD = '_charset_';

export interface FormCharsetOptions {
  /** Used when nothing declares a charset and the bytes are not valid UTF-8; `utf-8` means refuse instead. */
  fallbackCharset?: string;
}

const utf8Names = new Set(['utf-8', 'utf8', 'unicode-1-1-utf-8']);
const isUtf8 = (charset: string): boolean => utf8Names.has(charset.trim().toLowerCase());

function undecodable(charset: string, field: string | undefined): LeadgateError {
  return new LeadgateError('BAD_REQUEST', `The body's text is not valid ${charset}${field ? ` (field "${field}")` : ''}`, {
    details: { reason: 'undecodable_text', charset, ...(field ? { field } : {}) },
  });
}

/** Refuses a charset neither decoder knows, so the client learns its declaration is the problem. */
export function assertKnownCharset(charset: string): void {
  if (isUtf8(charset) || iconv.encodingExists(charset)) return;
  throw new LeadgateError('UNSUPPORTED_MEDIA_TYPE', `Unsupported charset "${charset}"`, { details: { charset } });
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** Decodes bytes in `charset`, or throws `undecodable_text`; `field` names the value in the error. */
export function decodeText(bytes: Uint8Array, charset: string, field?: string): string {
  assertKnownCharset(charset);
  let text: string;
  if (isUtf8(charset)) {
    try {
      text = strictUtf8.decode(bytes);
    } catch {
      throw undecodable(charset, field);
    }
  } else {
    text = iconv.decode(Buffer.from(bytes), charset, { stripBOM: false });
  }
  // Single-byte tables map undefined bytes (0x98 in windows-1251) to U+FFFD; a literal one is mojibake already.
  if (text.includes('\uFFFD')) throw undecodable(charset, field);
  return text;
}

function validUtf8(values: Uint8Array[]): boolean {
  try {
    for (const v of values) strictUtf8.decode(v);
    return true;
  } catch {
    return false;
  }
}

/** `_charset_`'s value when the body carries one; its bytes are ASCII in every charset a form uses. */
export function charsetField(pairs: { name: Uint8Array; value: Uint8Array }[]): string | undefined {
  const pair = pairs.find((p) => Buffer.from(p.name).toString('latin1') === CHARSET_FIELD);
  const value = pair ? Buffer.from(pair.value).toString('latin1').trim() : '';
  return value || undefined;
}

/**
 * The charset of a form body from its evidence: declared on the Content-Type, then `_charset_`, then UTF-8
 * when every value is valid UTF-8, then the connector's fallback.
 */
export function pickFormCharset(pairs: { name: Uint8Array; value: Uint8Array }[], declared: string | undefined, options: FormCharsetOptions = {}): string {
  const chosen = declared ?? charsetField(pairs);
  if (chosen) {
    assertKnownCharset(chosen);
    return chosen.toLowerCase();
  }
  if (validUtf8(pairs.flatMap((p) => [p.name, p.value]))) return 'utf-8';
  const fallback = options.fallbackCharset ?? DEFAULT_FALLBACK_CHARSET;
  assertKnownCharset(fallback);
  return fallback.toLowerCase();
}

/** A multipart value busboy decoded as latin1 (byte for byte), back to its bytes. */
const latin1Bytes = (text: string): Buffer => Buffer.from(text, 'latin1');

/**
 * Re-decodes a multipart body's names and values, which busboy was told to read as latin1 so that the
 * original bytes survive until the charset is known (a `_charset_` part may come last). `filenames` are
 * re-decoded the same way when they are plain latin1 (an RFC 5987 `filename*` was already decoded right).
 */
export function redecodeMultipart(
  entries: { name: string; value: string }[],
  declared: string | undefined,
  options: FormCharsetOptions = {},
): { charset: string; decode: (latin1: string, field?: string) => string; entries: { name: string; value: string }[] } {
  const pairs = entries.map((e) => ({ name: latin1Bytes(e.name), value: latin1Bytes(e.value) }));
  const charset = pickFormCharset(pairs, declared, options);
  const decode = (latin1: string, field?: string): string => (/^[\x00-\xff]*$/.test(latin1) ? decodeText(latin1Bytes(latin1), charset, field) : latin1);
  return { charset, decode, entries: entries.map((e) => ({ name: decode(e.name), value: decode(e.value, decode(e.name)) })) };
}
