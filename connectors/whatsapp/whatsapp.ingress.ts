import { Router, type Request } from 'express';
import { LeadgateError, isLeadgateError } from '../../contracts/errors.js';
import type { ConnectorContext } from '../connector.port.js';
import { parseBody, readRawBody } from '../../platform/http/body-reader.js';
import { requestMeta } from '../../platform/http/request-meta.js';
import { safeEqual, verifyHmac } from '../../platform/http/signatures.js';
import type { WhatsAppConfig } from './whatsapp.config.js';
import { assertWaBody, ignoreReason, splitBody, type WaBody } from './whatsapp.payload.js';

export const SIGNATURE_HEADER = 'x-hub-signature-256';

function queryString(req: Request, name: string): string | undefined {
  const value = req.query[name];
  return typeof value === 'string' ? value : undefined;
}

/**
 * Reads the exact bytes, checks Meta's signature over them, and only then parses. Meta signs the body
 * as it sent it (non-ASCII escaped as `\u0436`); any re-serialisation of the parsed JSON would differ.
 */
async function readSignedBody(req: Request, appSecret: string, limitBytes: number): Promise<WaBody> {
  const encoding = (req.get('content-encoding') ?? 'identity').toLowerCase();
  if (encoding !== 'identity') {
    req.resume();
    throw new LeadgateError('UNSUPPORTED_MEDIA_TYPE', `Content-Encoding "${encoding}" is not accepted`, { details: { encoding } });
  }
  const raw = await readRawBody(req, limitBytes);
  const signature = req.get(SIGNATURE_HEADER);
  if (!verifyHmac({ secret: appSecret, data: raw, signature, prefix: 'sha256=' })) {
    const reason = signature ? 'bad_signature' : 'missing_signature';
    throw new LeadgateError('UNAUTHORIZED', signature ? 'The signature does not match the body' : 'The X-Hub-Signature-256 header is missing', { details: { reason } });
  }
  const body = await parseBody(raw, req.get('content-type'));
  if (body.format !== 'json') {
    throw new LeadgateError('UNSUPPORTED_MEDIA_TYPE', 'WhatsApp webhooks are JSON', { details: { mediaType: body.mediaType, accepted: ['application/json'] } });
  }
  return assertWaBody(body.fields);
}

/**
 * `GET /v1/hooks/<id>`: Meta's verification handshake. `POST`: message webhooks, one raw event per
 * message, answered 200 only when every one of them is durable (Meta redelivers the whole body on
 * anything else; the per-message keys make the redelivery harmless).
 */
export function createWhatsAppRouter(ctx: ConnectorContext<WhatsAppConfig>): Router {
  const { config } = ctx;
  const router = Router();

  router.get('/', (req, res) => {
    const mode = queryString(req, 'hub.mode');
    const token = queryString(req, 'hub.verify_token');
    const challenge = queryString(req, 'hub.challenge');
    if (mode !== 'subscribe' || token === undefined || challenge === undefined || !safeEqual(token, config.verifyToken)) {
      ctx.reject('unauthorized');
      throw new LeadgateError('FORBIDDEN', 'Webhook verification failed', { details: { reason: 'bad_verify_token' } });
    }
    // Echoed verbatim as Meta expects; nosniff keeps a crafted challenge from being read as HTML.
    res.status(200).setHeader('X-Content-Type-Options', 'nosniff');
    res.type('text/plain').send(challenge);
  });

  router.post('/', async (req, res) => {
    let body: WaBody;
    try {
      body = await readSignedBody(req, config.appSecret, ctx.bodyLimitBytes);
    } catch (err) {
      if (isLeadgateError(err) && err.status < 500) ctx.reject(err.code === 'UNAUTHORIZED' ? 'unauthorized' : 'invalid');
      throw err;
    }
    const split = splitBody(body, config.phoneNumberId);
    if (split.events.length === 0) {
      ctx.reject('ignored');
      res.status(200).json({ status: 'ignored', reason: ignoreReason(split) });
      return;
    }
    const meta = requestMeta(req);
    const results = await Promise.all(split.events.map((event) => ctx.ingest({ providerEventId: event.providerEventId, payload: event.payload, meta })));
    res.status(200).json({ status: 'accepted', eventIds: results.map((r) => r.eventId) });
  });

  return router;
}
