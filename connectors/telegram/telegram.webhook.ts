import { Router, type Request } from 'express';
import { LeadgateError, isLeadgateError } from '../../contracts/errors.js';
import type { ConnectorContext } from '../connector.port.js';
import { readBody } from '../../platform/http/body-reader.js';
import { requestMeta } from '../../platform/http/request-meta.js';
import { safeEqual } from '../../platform/http/signatures.js';
import { telegramRuntime } from './telegram.client.js';
import type { TelegramConfig } from './telegram.config.js';
import { assertUpdate, classifyUpdate, type Update } from './telegram.update.js';

export const SECRET_HEADER = 'x-telegram-bot-api-secret-token';

function checkSecret(req: Request, secret: string): void {
  const presented = req.get(SECRET_HEADER);
  if (presented === undefined || presented === '') {
    throw new LeadgateError('UNAUTHORIZED', 'The secret token header is missing', { details: { reason: 'missing_secret' } });
  }
  if (!safeEqual(presented, secret)) {
    throw new LeadgateError('UNAUTHORIZED', 'The secret token is wrong', { details: { reason: 'bad_secret' } });
  }
}

async function readUpdate(req: Request, limitBytes: number): Promise<Update> {
  const body = await readBody(req, { limitBytes });
  if (body.format !== 'json') {
    throw new LeadgateError('UNSUPPORTED_MEDIA_TYPE', 'Telegram updates are JSON', { details: { mediaType: body.mediaType, accepted: ['application/json'] } });
  }
  return assertUpdate(body.fields);
}

/**
 * `POST /v1/hooks/<id>`: one Bot API update per request. Answers 200 once the raw event is durable
 * (Telegram redelivers on anything else; the raw-event key `<id>:<update_id>` makes a redelivery a no-op
 * downstream), 200 `ignored` for updates that are not a person writing in private, 401 for a wrong
 * secret. In polling mode there is no webhook, so the route refuses everything with 404.
 */
export function createTelegramRouter(ctx: ConnectorContext<TelegramConfig>): Router {
  const { config } = ctx;
  const router = Router();
  const { replier } = telegramRuntime(config, ctx.logger);

  router.post('/', async (req, res) => {
    if (!config.publicUrl || !config.secretToken) {
      throw new LeadgateError('NOT_FOUND', `Connector "${config.id}" polls Telegram and takes no webhook`, { details: { connector: config.id } });
    }
    let update: Update;
    try {
      checkSecret(req, config.secretToken);
      update = await readUpdate(req, ctx.bodyLimitBytes);
    } catch (err) {
      if (isLeadgateError(err) && err.status < 500) ctx.reject(err.code === 'UNAUTHORIZED' ? 'unauthorized' : 'invalid');
      throw err;
    }
    const verdict = classifyUpdate(update);
    if (verdict.kind === 'ignore') {
      ctx.reject('ignored');
      res.status(200).json({ status: 'ignored', reason: verdict.reason });
      return;
    }
    const { eventId } = await ctx.ingest({
      providerEventId: String(update.update_id),
      payload: update as unknown as Record<string, unknown>,
      meta: requestMeta(req),
    });
    replier.afterAccepted(update.update_id, verdict.message);
    res.status(200).json({ status: 'accepted', eventId });
  });

  return router;
}
