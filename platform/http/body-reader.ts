import type { IncomingMessage } from 'node:http';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { LeadgateError } from '../../contracts/errors.js';
import { decodeMultipart, decodeUrlencoded, type IgnoredFile } from './form-decoding.js';
import { decodeText, type FormCharsetOptions } from './form-charset.js';

export const DEFAULT_BODY_LIMIT_BYTES = 256 * 1024;

export type BodyFormat = 'json' | 'urlencoded' | 'multipart' | 'empty';

/** A request body read once: the exact bytes (signatures are computed over them) and the parsed fields. */
export interface ParsedBody {
  raw: Buffer;
  format: BodyFormat;
  /** Media type without parameters, lower case (`application/json`); empty when there was no body. */
  mediaType: string;
  charset?: string;
  fields: Record<string, unknown>;
  /** Multipart files that were skipped (metadata only). */
  files: IgnoredFile[];
}

export interface ContentType {
  mediaType: string;
  params: Record<string, string>;
}

export function parseContentType(header: string | undefined): ContentType | undefined {
  if (!header) return undefined;
  const [type = '', ...rest] = header.split(';');
  const params: Record<string, string> = {};
  for (const part of rest) {
    const eq = part.indexOf('=');
    if (eq === -1) continue;
    const key = part.slice(0, eq).trim().toLowerCase();
    let value = part.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
    if (key) params[key] = value;
  }
  return { mediaType: type.trim().toLowerCase(), params };
}

function tooLarge(limitBytes: number): LeadgateError {
  return new LeadgateError('PAYLOAD_TOO_LARGE', `Body exceeds ${limitBytes} bytes`, { details: { limitBytes } });
}

/**
 * Requests whose body Node's HTTP parser gave up on (a bad chunk size, an oversized chunk extension, the
 * request timeout). The parser stops feeding such a request, so without this its reader would wait for an
 * `end` that never comes and the client would get no answer until the socket was cut.
 */
const failedBodies = new WeakMap<IncomingMessage, LeadgateError>();
const BODY_FAILED = 'leadgate:body-failed';

/** True once Node's parser has given up on the body of `req`: no more bytes and no `end` will come. */
export function hasFailedBody(req: IncomingMessage): boolean {
  return failedBodies.has(req);
}

/** Calls `listener` when the parser gives up on the body of `req`; returns the unsubscribe. */
export function onBodyFailed(req: IncomingMessage, listener: () => void): () => void {
  req.once(BODY_FAILED, listener);
  return () => req.off(BODY_FAILED, listener);
}

/** Fails the body read of `req` (now or when it starts) with `err`, so its handler answers a 4xx. */
export function failRequestBody(req: IncomingMessage, err: LeadgateError): void {
  if (failedBodies.has(req)) return;
  failedBodies.set(req, err);
  req.emit(BODY_FAILED, err);
}

/**
 * Reads the body bytes, stopping at `limitBytes`. The declared Content-Length is checked first so an
 * honest oversize upload is refused before a byte is buffered; a lying or chunked one is cut off mid-stream.
 */
export function readRawBody(req: IncomingMessage, limitBytes: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limitBytes) {
    req.resume();
    return Promise.reject(tooLarge(limitBytes));
  }
  const failed = failedBodies.get(req);
  if (failed) return Promise.reject(failed);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (err?: LeadgateError): void => {
      if (done) return;
      done = true;
      req.off('data', onData);
      req.off(BODY_FAILED, finish);
      if (err) {
        // Keep draining so the client can read our 413 instead of seeing a reset connection.
        req.resume();
        reject(err);
      } else resolve(Buffer.concat(chunks, size));
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limitBytes) finish(tooLarge(limitBytes));
      else chunks.push(chunk);
    };
    req.on('data', onData);
    req.on(BODY_FAILED, finish);
    req.once('end', () => finish());
    req.once('error', (cause) => finish(new LeadgateError('BAD_REQUEST', 'The request body was interrupted', { cause, details: { reason: 'body_interrupted' } })));
    req.once('aborted', () => finish(new LeadgateError('BAD_REQUEST', 'The request body was interrupted', { details: { reason: 'body_interrupted' } })));
  });
}

function isJsonType(mediaType: string): boolean {
  return mediaType === 'application/json' || (mediaType.startsWith('application/') && mediaType.endsWith('+json'));
}

/** Deeper than any provider's payload (Telegram and Meta nest under 10) and far below the stack's reach. */
export const MAX_JSON_DEPTH = 64;

/**
 * Measures nesting before parsing: a 256 KiB body of `[[[[…` parses fine but then overflows the stack of
 * every recursive walk after it (hashing, cloning, serialising), which would be a 500 instead of a 4xx.
 */
function assertJsonDepth(text: string): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 0x5c) i++;
      else if (ch === 0x22) inString = false;
    } else if (ch === 0x22) {
      inString = true;
    } else if (ch === 0x7b || ch === 0x5b) {
      if (++depth > MAX_JSON_DEPTH) {
        throw new LeadgateError('VALIDATION_FAILED', `The JSON body nests deeper than ${MAX_JSON_DEPTH} levels`, {
          details: { reason: 'json_too_deep', maxDepth: MAX_JSON_DEPTH },
        });
      }
    } else if (ch === 0x7d || ch === 0x5d) {
      depth--;
    }
  }
}

function parseJson(raw: Buffer, charset: string | undefined): Record<string, unknown> {
  let text = decodeText(raw, charset ?? 'utf-8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  assertJsonDepth(text);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new LeadgateError('BAD_REQUEST', 'Malformed JSON body', { cause, details: { reason: (cause as Error).message } });
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    const got = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
    throw new LeadgateError('VALIDATION_FAILED', 'The JSON body must be an object', { details: { expected: 'object', got } });
  }
  return value as Record<string, unknown>;
}

/** Parses bytes already read; split from reading so fixtures can be parsed exactly as the wire delivers them. */
export async function parseBody(raw: Buffer, contentTypeHeader: string | undefined, options: FormCharsetOptions = {}): Promise<ParsedBody> {
  const ct = parseContentType(contentTypeHeader);
  const charset = ct?.params.charset?.toLowerCase();
  const base = { raw, files: [] as IgnoredFile[], ...(charset ? { charset } : {}) };
  if (raw.length === 0 && (!ct || !isJsonType(ct.mediaType))) {
    return { ...base, format: 'empty', mediaType: ct?.mediaType ?? '', fields: {} };
  }
  if (!ct || ct.mediaType === '') {
    throw new LeadgateError('UNSUPPORTED_MEDIA_TYPE', 'A body was sent without Content-Type', { details: { accepted: acceptedMediaTypes } });
  }
  if (isJsonType(ct.mediaType)) {
    return { ...base, format: 'json', mediaType: ct.mediaType, fields: parseJson(raw, charset) };
  }
  if (ct.mediaType === 'application/x-www-form-urlencoded') {
    return { ...base, format: 'urlencoded', mediaType: ct.mediaType, fields: decodeUrlencoded(raw, charset, options) };
  }
  if (ct.mediaType === 'multipart/form-data') {
    const { fields, files } = await decodeMultipart(raw, contentTypeHeader ?? '', charset, options);
    return { ...base, format: 'multipart', mediaType: ct.mediaType, fields, files };
  }
  throw new LeadgateError('UNSUPPORTED_MEDIA_TYPE', `Content-Type "${ct.mediaType}" is not accepted`, {
    details: { mediaType: ct.mediaType, accepted: acceptedMediaTypes },
  });
}

export const acceptedMediaTypes = ['application/json', 'application/x-www-form-urlencoded', 'multipart/form-data'] as const;

const bodies = new WeakMap<IncomingMessage, Promise<ParsedBody>>();

/**
 * Reads and parses the request body once, refusing more than `options.limitBytes` (413); later calls for the same
 * request share the result. `options`
 * carries the connector's charset fallback and counts only on the first call.
 */
/** How `readBody` reads: the size cap (default 256 KiB; connectors pass `ctx.bodyLimitBytes`) and the charset fallback. */
export interface ReadBodyOptions extends FormCharsetOptions {
  limitBytes?: number;
}

export function readBody(req: IncomingMessage, options: ReadBodyOptions = {}): Promise<ParsedBody> {
  let body = bodies.get(req);
  if (!body) {
    const encoding = (req.headers['content-encoding'] ?? 'identity').toLowerCase();
    if (encoding !== 'identity') {
      // Decompressing would let a small body expand past the limit (a zip bomb); senders of leads need not compress.
      req.resume();
      body = Promise.reject(new LeadgateError('UNSUPPORTED_MEDIA_TYPE', `Content-Encoding "${encoding}" is not accepted`, { details: { encoding } }));
    } else {
      body = readRawBody(req, options.limitBytes ?? DEFAULT_BODY_LIMIT_BYTES).then((raw) => parseBody(raw, req.headers['content-type'], options));
    }
    bodies.set(req, body);
  }
  return body;
}
