import { TextDecoder } from 'node:util';
import busboy from 'busboy';
import { LeadgateError } from '../../contracts/errors.js';
import { decodeText, pickFormCharset, redecodeMultipart, type FormCharsetOptions } from './form-charset.js';

/** What a multipart body carried besides fields: files are counted and described, never kept. */
export interface IgnoredFile {
  field: string;
  filename?: string;
  mimeType: string;
  sizeBytes: number;
}

export interface DecodedFields {
  fields: Record<string, unknown>;
  files: IgnoredFile[];
}

/** Caps that keep a hostile body from producing a huge object even inside the byte limit. */
const MAX_FIELDS = 1000;
const MAX_FIELD_NAME = 200;

/**
 * Adds one form value. Repeated keys and PHP-style `name[]` keys both become arrays, because plain HTML
 * forms send several phones or checkbox values that way; a single value stays a plain string.
 */
export function addField(target: Record<string, unknown>, rawName: string, value: string): void {
  const isArrayName = rawName.endsWith('[]') && rawName.length > 2;
  const name = isArrayName ? rawName.slice(0, -2) : rawName;
  // Prototype keys would turn a form post into an object-shape attack on later code.
  if (name === '__proto__' || name === 'constructor' || name === 'prototype') return;
  const existing = Object.prototype.hasOwnProperty.call(target, name) ? target[name] : undefined;
  if (existing === undefined) {
    target[name] = isArrayName ? [value] : value;
  } else if (Array.isArray(existing)) {
    existing.push(value);
  } else {
    target[name] = [existing, value];
  }
}

/** Throws for a charset TextDecoder does not know, so the client learns its declaration is the problem. */
export function decoderFor(charset: string, fatal = false): TextDecoder {
  try {
    return new TextDecoder(charset, { fatal });
  } catch (cause) {
    throw new LeadgateError('UNSUPPORTED_MEDIA_TYPE', `Unsupported charset "${charset}"`, { cause, details: { charset } });
  }
}

/** Percent-decodes to bytes (not to UTF-16 directly): the bytes may be windows-1251, not UTF-8. */
function percentBytes(text: string): Buffer {
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (ch === 0x2b) {
      out.push(0x20);
    } else if (ch === 0x25 && i + 2 < text.length && /^[0-9a-fA-F]{2}$/.test(text.slice(i + 1, i + 3))) {
      out.push(parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (ch < 0x80) {
      out.push(ch);
    } else {
      // A raw non-ASCII character (some clients skip escaping); keep it as its UTF-8 bytes.
      out.push(...Buffer.from(text[i] ?? '', 'utf8'));
    }
  }
  return Buffer.from(out);
}

/**
 * Decodes `application/x-www-form-urlencoded`. The charset is chosen in `form-charset.ts` (Content-Type,
 * `_charset_`, valid UTF-8, the connector's fallback); text that does not decode in it is refused.
 */
export function decodeUrlencoded(raw: Buffer, declaredCharset: string | undefined, options: FormCharsetOptions = {}): Record<string, unknown> {
  const text = raw.toString('latin1');
  const fields: Record<string, unknown> = {};
  const pairs = text.split('&').filter((p) => p.length > 0);
  if (pairs.length > MAX_FIELDS) {
    throw new LeadgateError('PAYLOAD_TOO_LARGE', `More than ${MAX_FIELDS} form fields`, { details: { maxFields: MAX_FIELDS } });
  }
  const split = pairs.map((pair) => {
    const eq = pair.indexOf('=');
    return { name: percentBytes(eq === -1 ? pair : pair.slice(0, eq)), value: percentBytes(eq === -1 ? '' : pair.slice(eq + 1)) };
  });
  const charset = pickFormCharset(split, declaredCharset, options);
  for (const pair of split) {
    const name = decodeText(pair.name, charset);
    if (name.length === 0 || name.length > MAX_FIELD_NAME) continue;
    addField(fields, name, decodeText(pair.value, charset, name));
  }
  return fields;
}

/** A multipart body that cannot be read as a form; `problem` says which rule it broke. */
function malformedMultipart(message: string, problem: string, cause?: unknown): LeadgateError {
  return new LeadgateError('BAD_REQUEST', message, { cause, details: { reason: 'malformed_multipart', problem } });
}

/**
 * A part's field name as busboy decoded it. An RFC 5987 `name*=UTF-8''%FF%FE` that does not decode comes
 * back as undefined: refused, because guessing a name would file the value under a field nobody sent.
 */
function partName(name: unknown): string {
  if (typeof name !== 'string') throw malformedMultipart('A multipart part has a field name that cannot be decoded', 'undecodable_field_name');
  return name;
}

/**
 * Decodes `multipart/form-data` from bytes already read under the size limit. Files are drained and
 * described, never buffered: a lead form's attachment is not a lead field. Every failure, including one
 * raised on a file part's own stream (a body cut off inside a file), rejects the promise: an `error` event
 * without a listener would otherwise take the whole process down.
 */
export function decodeMultipart(raw: Buffer, contentType: string, declaredCharset: string | undefined, options: FormCharsetOptions = {}): Promise<DecodedFields> {
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers: { 'content-type': contentType },
        // Bytes kept as latin1 until the charset is known (`_charset_` may be the last part).
        defCharset: 'latin1',
        limits: { fields: MAX_FIELDS, parts: MAX_FIELDS, fieldNameSize: MAX_FIELD_NAME, fieldSize: raw.length + 1 },
      });
    } catch (cause) {
      // busboy throws synchronously for a missing or malformed boundary.
      reject(new LeadgateError('BAD_REQUEST', 'Malformed multipart/form-data header (boundary)', { cause, details: { reason: 'malformed_multipart', problem: 'bad_boundary' } }));
      return;
    }
    const entries: { name: string; value: string }[] = [];
    const files: IgnoredFile[] = [];
    let failed = false;
    const fail = (err: unknown): void => {
      if (failed) return;
      failed = true;
      reject(err instanceof LeadgateError ? err : malformedMultipart('Malformed multipart/form-data body', 'malformed_body', err));
    };
    /** Listener bodies run inside busboy's write(); a throw there would escape as a 500 or worse. */
    const guarded =
      <A extends unknown[]>(fn: (...args: A) => void) =>
      (...args: A): void => {
        try {
          fn(...args);
        } catch (err) {
          fail(err);
        }
      };
    parser.on('field', guarded((name: string, value: string) => entries.push({ name: partName(name), value })));
    parser.on(
      'file',
      guarded((field: string, stream: NodeJS.ReadableStream, info: busboy.FileInfo) => {
        // Listened to first, so a part cut off mid-file is reported here, never as an unhandled 'error'.
        stream.on('error', (cause) => fail(malformedMultipart('A multipart file part is cut off', 'truncated_part', cause)));
        stream.resume();
        const file: IgnoredFile = { field: partName(field), mimeType: info.mimeType, sizeBytes: 0 };
        if (info.filename) file.filename = info.filename;
        files.push(file);
        stream.on('data', (chunk: Buffer) => {
          file.sizeBytes += chunk.length;
        });
      }),
    );
    const tooMany = (): void =>
      fail(new LeadgateError('PAYLOAD_TOO_LARGE', `More than ${MAX_FIELDS} multipart parts`, { details: { maxFields: MAX_FIELDS } }));
    parser.on('partsLimit', tooMany);
    parser.on('fieldsLimit', tooMany);
    parser.on('error', (cause) => fail(malformedMultipart('Malformed multipart/form-data body', 'malformed_body', cause)));
    parser.on('close', () => {
      if (failed) return;
      try {
        const decoded = redecodeMultipart(entries, declaredCharset, options);
        const fields: Record<string, unknown> = {};
        for (const e of decoded.entries) addField(fields, e.name, e.value);
        for (const f of files) if (f.filename) f.filename = decoded.decode(f.filename, f.field);
        resolve({ fields, files });
      } catch (err) {
        reject(err);
      }
    });
    try {
      parser.end(raw);
    } catch (cause) {
      fail(cause);
    }
  });
}
