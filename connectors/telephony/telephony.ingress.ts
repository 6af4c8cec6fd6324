import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { LeadgateError, isLeadgateError } from '../../contracts/errors.js';
import { requestMeta } from '../../platform/http/request-meta.js';
import { safeEqual } from '../../platform/http/signatures.js';
import type { ConnectorContext, IngestResult } from '../connector.port.js';
import { ringingOf } from './call-ringing.js';
import { CallTracker } from './call-tracker.store.js';
import type { CallPhase, TelephonyPayload } from './call.model.js';
import type { TelephonyConfig } from './telephony.config.js';

export const TOKEN_HEADER = 'x-leadgate-token';
const MAX_EVENT_ID = 512;

/** One authenticated provider event, ready to publish. */
export interface CallEvent {
  /** Chosen so a provider's retry of the same event lands on the same raw-event key. */
  providerEventId: string;
  /** The provider's id of the whole call; the tracker groups legs by it. */
  callId: string;
  phase: CallPhase;
  payload: TelephonyPayload;
}

export const unauthorized = (reason: string, message: string): LeadgateError => new LeadgateError('UNAUTHORIZED', message, { details: { reason } });

export const invalid = (message: string, details: Record<string, unknown>): LeadgateError => new LeadgateError('VALIDATION_FAILED', message, { details });

/**
 * Wraps a webhook handler so every refusal is counted under the connector (`unauthorized` or `invalid`)
 * before the gateway's error handler turns it into `{error:{code,message,details}}`.
 */
export function counted(ctx: ConnectorContext, handler: (req: Request, res: Response) => Promise<void>): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    handler(req, res).catch((err: unknown) => {
      if (isLeadgateError(err) && err.status < 500) ctx.reject(err.code === 'UNAUTHORIZED' || err.code === 'FORBIDDEN' ? 'unauthorized' : 'invalid');
      next(err);
    });
  };
}

/** A URL or header token (`?token=` or `X-Leadgate-Token`), compared in constant time. */
export function checkToken(req: Request, secret: string): void {
  const fromQuery = req.query.token;
  const token = req.get(TOKEN_HEADER) ?? (typeof fromQuery === 'string' ? fromQuery : undefined);
  if (token === undefined || token === '') throw unauthorized('missing_token', 'A token is required');
  if (!safeEqual(token, secret)) throw unauthorized('bad_token', 'The token is wrong');
}

/** A single form or JSON value as text; repeated form keys (arrays) are refused rather than guessed. */
export function fieldText(fields: Record<string, unknown>, name: string): string | undefined {
  const value = fields[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw invalid(`Field "${name}" must be a single value`, { reason: 'bad_field', field: name });
}

export function requireText(fields: Record<string, unknown>, name: string): string {
  const value = fieldText(fields, name)?.trim();
  if (!value) throw invalid(`Field "${name}" is required`, { reason: 'missing_field', field: name });
  return value;
}

/**
 * Publishes one authenticated event and then records its phase for the sweeper. The order matters: a
 * recorded start without a published event would let the sweeper invent a call; a published event whose
 * record failed is answered 503, and the provider's retry lands on the same raw-event key.
 */
export async function acceptCallEvent(ctx: ConnectorContext<TelephonyConfig>, req: Request, event: CallEvent): Promise<IngestResult> {
  if (event.providerEventId.length > MAX_EVENT_ID) throw invalid('The call id is too long', { reason: 'event_id_too_long' });
  const receivedAt = new Date();
  const result = await ctx.ingest({
    providerEventId: event.providerEventId,
    payload: event.payload as unknown as Record<string, unknown>,
    meta: requestMeta(req),
    channel: 'call',
  });
  // Only now that the event is durable: a popup for a call the provider will have to resend is noise.
  if (event.phase === 'start') {
    const call = ringingOf(ctx.config.id, event.payload, receivedAt);
    if (call) ctx.emit({ type: 'call.ringing', call });
  }
  if (ctx.config.sweeper.timeoutSeconds > 0 && event.phase !== 'other') {
    try {
      await new CallTracker(ctx.store, ctx.config.id).record(event.callId, event.phase, event.payload, receivedAt);
    } catch (cause) {
      ctx.logger.warn({ err: cause, event: 'telephony.track_failed' }, 'call phase not recorded');
      throw new LeadgateError('STORE_UNAVAILABLE', 'The call could not be recorded; retry later', { cause });
    }
  }
  return result;
}
