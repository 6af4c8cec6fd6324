import { Router, type NextFunction, type Request, type Response } from 'express';
import { LeadgateError, isLeadgateError } from '../../contracts/errors.js';
import type { ConnectorContext } from '../connector.port.js';
import { readBody, type ParsedBody } from '../../platform/http/body-reader.js';
import { requestMeta } from '../../platform/http/request-meta.js';
import { safeEqual, verifyHmac } from '../../platform/http/signatures.js';
import type { FormsConfig } from './forms.config.js';
import { FILES_KEY, flattenPayload, hasPersonFields, isTildaTest } from './forms.fields.js';
import { assertJsonFieldTypes } from './forms.json-types.js';

export const TOKEN_HEADER = 'x-leadgate-token';
export const SIGNATURE_HEADER = 'x-leadgate-signature';
const MAX_EVENT_ID = 512;

function firstString(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (Array.isArray(value)) return firstString(value[0]);
  return undefined;
}

/** Tilda's `tranid`, a site's `eventId`/`event_id`, or an `Idempotency-Key` header: whichever the sender gives. */
function providerEventIdOf(req: Request, fields: Record<string, unknown>): string | undefined {
  const candidate = [req.get('idempotency-key'), fields.tranid, fields.eventId, fields.event_id]
    .map(firstString)
    .map((v) => v?.trim())
    .find((v) => v !== undefined && v !== '');
  if (candidate !== undefined && candidate.length > MAX_EVENT_ID) {
    throw new LeadgateError('VALIDATION_FAILED', `The event id is longer than ${MAX_EVENT_ID} characters`, { details: { reason: 'event_id_too_long' } });
  }
  return candidate;
}

/** A browser's plain form post (not fetch): it asks for HTML and cannot read JSON, so it gets a redirect. */
function wantsHtml(req: Request): boolean {
  const accept = (req.get('accept') ?? '').toLowerCase();
  return accept.includes('text/html') && !accept.includes('application/json');
}

const unauthorized = (reason: string, message: string): LeadgateError => new LeadgateError('UNAUTHORIZED', message, { details: { reason } });

/**
 * The token is checked before the body is read (nothing is spent on an unauthenticated caller); a signature
 * needs the raw body, so it is checked after. With both configured, either valid credential is enough,
 * but a credential that is present and wrong always fails.
 */
function checkToken(req: Request, config: FormsConfig): 'ok' | 'needs-signature' {
  if (!config.secret && !config.hmacSecret) return 'ok';
  if (config.hmacSecret && req.get(SIGNATURE_HEADER)) return 'needs-signature';
  const token = req.get(TOKEN_HEADER) ?? firstString(req.query.token);
  if (config.secret && token !== undefined) {
    if (safeEqual(token, config.secret)) return 'ok';
    throw unauthorized('bad_token', 'The token is wrong');
  }
  throw unauthorized('missing_credentials', config.hmacSecret ? 'A signature or token is required' : 'A token is required');
}

function checkSignature(req: Request, config: FormsConfig, body: ParsedBody): void {
  if (!config.hmacSecret) return;
  const ok = verifyHmac({ secret: config.hmacSecret, data: body.raw, signature: req.get(SIGNATURE_HEADER), prefix: 'sha256=' });
  if (!ok) throw unauthorized('bad_signature', 'The signature does not match the body');
}

/**
 * CORS for browsers posting with fetch(). Without `corsOrigins` nothing is checked (server-to-server
 * senders like Tilda send no Origin, and plain HTML posts need no CORS); with it, a foreign Origin is
 * refused outright instead of merely being unable to read the answer, so it cannot create leads either.
 */
function corsGate(ctx: ConnectorContext<FormsConfig>) {
  const allowed = new Set(ctx.config.corsOrigins ?? []);
  return (req: Request, res: Response, next: NextFunction): void => {
    const origin = req.get('origin');
    if (!origin || !ctx.config.corsOrigins) {
      next();
      return;
    }
    res.vary('Origin');
    if (!allowed.has(origin)) {
      ctx.reject('unauthorized');
      next(new LeadgateError('FORBIDDEN', 'This origin may not post to this form', { details: { reason: 'origin_not_allowed', origin } }));
      return;
    }
    res.setHeader('Access-Control-Allow-Origin', origin);
    next();
  };
}

export function createFormsRouter(ctx: ConnectorContext<FormsConfig>): Router {
  const { config } = ctx;
  const router = Router();
  router.use(corsGate(ctx));

  router.options('/', (req, res) => {
    if (req.get('origin') && config.corsOrigins) {
      res.setHeader('Access-Control-Allow-Methods', 'POST, OPTIONS');
      res.setHeader('Access-Control-Allow-Headers', 'Content-Type, X-Leadgate-Token, X-Leadgate-Signature, Idempotency-Key');
      res.setHeader('Access-Control-Max-Age', '600');
    }
    res.setHeader('Allow', 'POST, OPTIONS');
    res.status(204).end();
  });

  router.post('/', async (req, res) => {
    let body: ParsedBody;
    let providerEventId: string | undefined;
    try {
      const auth = checkToken(req, config);
      body = await readBody(req, { limitBytes: ctx.bodyLimitBytes, ...(config.fallbackCharset ? { fallbackCharset: config.fallbackCharset } : {}) });
      if (auth === 'needs-signature') checkSignature(req, config, body);
      if (body.format === 'json') assertJsonFieldTypes(body.fields);
      providerEventId = providerEventIdOf(req, body.fields);
    } catch (err) {
      if (isLeadgateError(err) && err.status < 500) ctx.reject(err.code === 'UNAUTHORIZED' ? 'unauthorized' : 'invalid');
      throw err;
    }
    // Files are described on the lead, never carried; the key is always ours, never the sender's.
    const fields: Record<string, unknown> = { ...body.fields };
    delete fields[FILES_KEY];
    if (body.files.length > 0) fields[FILES_KEY] = body.files.slice(0, 100).map((f) => ({ ...f }));

    if (isTildaTest(fields)) {
      ctx.reject('ignored');
      res.status(200).json({ status: 'ignored', reason: 'test request' });
      return;
    }
    const isSpam = flattenPayload({ hp: fields[config.honeypotField] }).length > 0;
    if (!isSpam && !hasPersonFields(fields, config.honeypotField)) {
      ctx.reject('invalid');
      throw new LeadgateError('VALIDATION_FAILED', 'The submission has no contact, name, message or other field', {
        details: { reason: 'no_lead_fields', received: Object.keys(fields).slice(0, 50) },
      });
    }

    const request = { payload: fields, meta: requestMeta(req, isSpam ? ['spam'] : []) };
    // A bot must not learn that its post was spotted, so spam gets exactly the success answer.
    const { eventId } = await ctx.ingest(providerEventId === undefined ? request : { ...request, providerEventId });
    if (config.redirectUrl && wantsHtml(req)) {
      res.redirect(303, config.redirectUrl);
      return;
    }
    res.status(202).json({ status: 'accepted', eventId });
  });

  return router;
}
