import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { LeadgateError, isLeadgateError } from '../../contracts/errors.js';
import { drainRequest } from './request-drain.js';

/** Seconds a provider is told to wait when the bus or store is down; short, since most outages are blips. */
export const DEFAULT_RETRY_AFTER_SEC = 5;

function retryAfterOf(err: LeadgateError): number | undefined {
  if (err.code !== 'BUS_UNAVAILABLE' && err.code !== 'STORE_UNAVAILABLE') return undefined;
  const fromDetails = err.details.retryAfterSec;
  return typeof fromDetails === 'number' && fromDetails > 0 ? Math.ceil(fromDetails) : DEFAULT_RETRY_AFTER_SEC;
}

/**
 * Express and its router mark the client's faults with an HTTP `status` (a path segment that is not valid
 * percent-encoding fails to decode with 400). Those are the caller's mistake, not a 500; their message is
 * not echoed because it quotes the request.
 */
function clientFault(err: unknown): LeadgateError | undefined {
  if (err === null || typeof err !== 'object') return undefined;
  const status = (err as { status?: unknown; statusCode?: unknown }).status ?? (err as { statusCode?: unknown }).statusCode;
  if (typeof status !== 'number' || status < 400 || status >= 500) return undefined;
  return new LeadgateError('BAD_REQUEST', 'The request is malformed', { cause: err, details: { reason: 'malformed_request' } });
}

/** Answers any route nobody handled with the same JSON error shape as everything else. */
export function notFoundHandler(): RequestHandler {
  return (req, _res, next) => {
    next(new LeadgateError('NOT_FOUND', `No route for ${req.method} ${req.path}`));
  };
}

/**
 * The last middleware. A LeadgateError becomes its catalogue status and `toBody()`; anything else is a
 * bug and becomes a bare 500, because its message may carry internals (SQL, paths, secrets).
 */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, next) => {
    if (res.headersSent) {
      next(err);
      return;
    }
    const known = isLeadgateError(err) ? err : clientFault(err);
    const failure = known ?? new LeadgateError('INTERNAL', 'Internal error');
    // 4xx are the caller's business and are counted in metrics; logging them at info would let any client flood the log.
    if (failure.status >= 500) {
      logger.error({ err, code: failure.code, method: req.method, path: req.path }, 'request failed');
    } else {
      logger.debug({ code: failure.code, method: req.method, path: req.path, msg: failure.message }, 'request rejected');
    }
    const retryAfter = retryAfterOf(failure);
    // A refusal can come before the body was read (413 on the declared length, 401 on a header): the
    // answer waits for the upload to end, or the socket would close on bytes still arriving.
    void drainRequest(req).then(() => {
      if (res.headersSent || res.destroyed) return;
      if (retryAfter !== undefined) res.setHeader('Retry-After', String(retryAfter));
      res.status(failure.status).json(failure.toBody());
    });
  };
}
