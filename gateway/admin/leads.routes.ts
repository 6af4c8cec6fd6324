import { Router, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { LeadgateError } from '../../contracts/errors.js';
import type { EraseRequest, IdentityAdminPort } from '../../contracts/identity-admin.js';
import { readBody } from '../../platform/http/body-reader.js';
import type { Metrics } from '../../platform/telemetry/metrics.js';
import { validateOrThrow } from '../../platform/validation.js';

export interface LeadsAdminDeps {
  /** The normalizer's identity operations, wired by the composition root. */
  identity: IdentityAdminPort;
  metrics: Metrics;
  /** The admin guard (`requireAdminToken`), applied per route so other `/v1` paths keep their own answers. */
  guard: RequestHandler;
}

const nonEmpty = { type: 'string', minLength: 1, maxLength: 500, pattern: '\\S' } as const;

/** `POST /leads/:id/close`: an optional reason as the CRM words it; no body at all is fine. */
export const closeLeadBodySchema = {
  type: 'object',
  additionalProperties: false,
  properties: { reason: { type: 'string', minLength: 1, maxLength: 200 } },
} as const;

/** `POST /admin/contacts/erase`: exactly one way to name the person. */
export const eraseContactBodySchema = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  maxProperties: 1,
  properties: { phone: nonEmpty, email: nonEmpty, contactId: nonEmpty },
} as const;

type Handler = (req: Request, res: Response) => Promise<void>;

// Express 5 forwards rejected promises itself; the wrapper keeps the handlers' types plain.
const route = (fn: Handler) => (req: Request, res: Response, next: NextFunction): void => {
  fn(req, res).catch(next);
};

/** The JSON body validated against `schema`; an empty body counts as `{}`, any other format is a 415. */
async function jsonBody<T>(req: Request, schema: object, what: string): Promise<T> {
  const body = await readBody(req);
  if (body.format !== 'json' && body.format !== 'empty') throw new LeadgateError('UNSUPPORTED_MEDIA_TYPE', `send the ${what} as application/json`);
  return validateOrThrow<T>(schema, body.format === 'empty' ? {} : body.fields, what);
}

/**
 * Admin API over leads and contacts, mounted under `/v1`, every route behind the admin token:
 * - `POST /leads/:id/close` `{reason?}`: the CRM closed the lead; the contact's next request opens a new one.
 * - `GET /leads/:id/lineage`: the raw events (as stored) that formed the lead and its contact.
 * - `GET /contacts/:id/lineage`: the same for a contact (a merged contact's id answers for its survivor).
 * - `POST /admin/contacts/erase` `{phone|email|contactId}`: erase the contact's personal data and
 *   publish `contact.erased`.
 */
export function createLeadsAdminRouter(deps: LeadsAdminDeps): Router {
  const router = Router();

  router.post('/leads/:id/close', deps.guard, route(async (req, res) => {
    const body = await jsonBody<{ reason?: string }>(req, closeLeadBodySchema, 'close request');
    const result = await deps.identity.closeLead(String(req.params.id), body.reason);
    if (!result.found) throw new LeadgateError('NOT_FOUND', `No lead "${String(req.params.id)}"`);
    if (!result.alreadyClosed) deps.metrics.leadsClosed.inc();
    res.json({ leadId: req.params.id, status: 'closed', closedAt: result.closedAt, alreadyClosed: result.alreadyClosed, ...(result.reason ? { reason: result.reason } : {}) });
  }));

  router.get('/leads/:id/lineage', deps.guard, route(async (req, res) => {
    const lineage = await deps.identity.leadLineage(String(req.params.id));
    if (!lineage) throw new LeadgateError('NOT_FOUND', `No lead "${String(req.params.id)}"`);
    res.set('cache-control', 'no-store').json(lineage);
  }));

  router.get('/contacts/:id/lineage', deps.guard, route(async (req, res) => {
    const lineage = await deps.identity.contactLineage(String(req.params.id));
    if (!lineage) throw new LeadgateError('NOT_FOUND', `No contact "${String(req.params.id)}"`);
    res.set('cache-control', 'no-store').json(lineage);
  }));

  router.post('/admin/contacts/erase', deps.guard, route(async (req, res) => {
    const body = await jsonBody<Record<string, string>>(req, eraseContactBodySchema, 'erase request');
    const request: EraseRequest = { ...(body.phone ? { phone: body.phone } : {}), ...(body.email ? { email: body.email } : {}), ...(body.contactId ? { contactId: body.contactId.trim() } : {}) };
    const result = await deps.identity.eraseContact(request);
    deps.metrics.contactsErased.inc({ outcome: result.status });
    if (result.status === 'not_found') throw new LeadgateError('NOT_FOUND', 'No contact with that identity');
    res.json(result);
  }));

  return router;
}
