import type { IncomingHttpHeaders } from 'node:http';
import type { Request } from 'express';
import type { RawEventV1 } from '../../contracts/raw-event.js';
import { truncateText } from '../text/safe-text.js';

/** Headers whose values are kept on the raw event: useful for debugging and attribution, never secret. */
const keptHeaders = new Set([
  'user-agent',
  'content-type',
  'content-length',
  'x-forwarded-for',
  'x-real-ip',
  'origin',
  'idempotency-key',
]);

/** Headers never recorded at all: their values are credentials or PII and even their presence is noise. */
const droppedHeaders = new Set(['authorization', 'proxy-authorization', 'cookie', 'set-cookie']);

/**
 * Credential-bearing provider headers (signatures, tokens, API keys). Their presence matters when
 * debugging a rejected webhook, their value never does, so only the name survives.
 */
const credentialPattern = /signature|token|secret|api[-_]?key|auth|sign$|^sign/;

export const REDACTED = '[redacted]';
const MAX_HEADER_VALUE = 1000;

/** The subset of request headers that may be stored with a raw event. Applied again by the gateway. */
export function safeHeaders(headers: IncomingHttpHeaders | Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [rawName, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const name = rawName.toLowerCase();
    if (droppedHeaders.has(name)) continue;
    if (credentialPattern.test(name) && name !== 'idempotency-key') {
      out[name] = REDACTED;
    } else if (keptHeaders.has(name)) {
      const text = Array.isArray(value) ? value.join(', ') : String(value);
      out[name] = truncateText(text, MAX_HEADER_VALUE);
    }
  }
  return out;
}

/** The `meta` of a raw event for an HTTP request. `flags` records what the ingress established (e.g. spam). */
export function requestMeta(req: Request, flags: string[] = []): RawEventV1['meta'] {
  const meta: RawEventV1['meta'] = { headers: safeHeaders(req.headers) };
  if (req.ip) meta.remoteIp = req.ip;
  const ua = req.headers['user-agent'];
  if (ua) meta.userAgent = truncateText(ua, MAX_HEADER_VALUE);
  if (flags.length > 0) meta.flags = [...flags];
  return meta;
}
