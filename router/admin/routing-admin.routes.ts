import { Router, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { LeadgateError } from '../../contracts/errors.js';
import { readBody } from '../../platform/http/body-reader.js';
import type { Store } from '../../platform/store/store.port.js';
import type { Metrics } from '../../platform/telemetry/metrics.js';
import { validateOrThrow } from '../../platform/validation.js';
import { factsOf } from '../rules/rule.matcher.js';
import type { OwnerConfig } from '../rules/routing.config.js';
import type { RoutingEngine } from '../rules/routing.engine.js';
import { setOwnerAvailability, StoreRoutingState } from '../rules/routing.state.js';
import { withinHours } from '../rules/time-window.js';
import { recordFirstResponse } from '../sla/sla.timers.js';
import { availabilityBodySchema, dryRunBodySchema, firstResponseBodySchema, type AvailabilityBody, type DryRunBody, type FirstResponseBody } from './routing-admin.schemas.js';

export interface RoutingAdminDeps {
  store: Store;
  engine: RoutingEngine;
  owners: readonly OwnerConfig[];
  metrics: Metrics;
  /** The admin guard (`requireAdminToken`), applied per route so other `/v1` paths keep their own answers. */
  guard: RequestHandler;
  clock?: () => Date;
}

type Handler = (req: Request, res: Response) => Promise<void>;

// Express 5 forwards rejected promises itself; the wrapper keeps the handlers' types plain.
const route = (fn: Handler) => (req: Request, res: Response, next: NextFunction): void => {
  fn(req, res).catch(next);
};

/** The JSON body validated against `schema` (defaults filled); an empty body counts as `{}`. */
async function jsonBody<T>(req: Request, schema: object, what: string): Promise<T> {
  const body = await readBody(req);
  if (body.format !== 'empty' && body.format !== 'json') throw new LeadgateError('UNSUPPORTED_MEDIA_TYPE', 'send application/json');
  return validateOrThrow<T>(schema, body.format === 'empty' ? {} : body.fields, what);
}

const timeOr = (value: string | undefined, fallback: () => Date): Date => (value === undefined ? fallback() : new Date(value));

/**
 * Admin API of routing, mounted under `/v1` behind `requireAdminToken`; bodies are checked against
 * routing-admin.schemas.ts (422 naming the bad key):
 * - `GET /admin/owners`: owners with their switch, open leads and whether they are within working hours.
 * - `PUT /admin/owners/:id/availability` `{available}`: the switch; kept in the store, shared by every router.
 * - `POST /admin/routing/dry-run` (channel, connectorId, source.utm, tags, contact.phones/ownerId, optional `at`):
 *   who would get it, by which rule; changes nothing.
 * - `POST /leads/:id/first-response` (optional `at`): stops the SLA timer and records the time to first response, once.
 */
export function createRoutingAdminRouter(deps: RoutingAdminDeps): Router {
  const router = Router();
  const now = (): Date => (deps.clock ?? (() => new Date()))();
  const known = new Set(deps.owners.map((o) => o.id));

  router.get('/admin/owners', deps.guard, route(async (_req, res) => {
    const ids = deps.owners.map((o) => o.id);
    const at = now();
    const state = new StoreRoutingState(deps.store, true);
    const [switched, open] = await Promise.all([state.availability(ids), state.openLeads(ids)]);
    res.set('cache-control', 'no-store').json({
      owners: deps.owners.map((o) => ({ id: o.id, ...(o.name ? { name: o.name } : {}), available: switched.get(o.id) ?? o.available ?? true, openLeads: open.get(o.id) ?? 0, ...(o.capacity !== undefined ? { capacity: o.capacity } : {}), ...(o.hours ? { withinHours: withinHours(at, o.hours) } : {}) })),
    });
  }));

  router.put('/admin/owners/:id/availability', deps.guard, route(async (req, res) => {
    const id = String(req.params.id);
    if (!known.has(id)) throw new LeadgateError('NOT_FOUND', `No owner "${id}" in router.owners`);
    const body = await jsonBody<AvailabilityBody>(req, availabilityBodySchema, 'availability');
    await setOwnerAvailability(deps.store, id, body.available);
    res.json({ ownerId: id, available: body.available });
  }));

  router.post('/admin/routing/dry-run', deps.guard, route(async (req, res) => {
    const body = await jsonBody<DryRunBody>(req, dryRunBodySchema, 'dry-run lead');
    const at = timeOr(body.at, now);
    const facts = factsOf({
      channel: body.channel,
      connectorId: body.connectorId ?? '',
      source: { utm: body.source?.utm ?? {} },
      tags: body.tags ?? [],
      contact: { id: '', isNew: true, emails: [], ids: [], phones: body.contact?.phones ?? [], ...(body.contact?.ownerId ? { ownerId: body.contact.ownerId } : {}) },
    });
    // A read-only state: counters are peeked, nothing is written.
    const decision = await deps.engine.decide(facts, new StoreRoutingState(deps.store, true), at);
    res.json({ at: at.toISOString(), ...decision });
  }));

  router.post('/leads/:id/first-response', deps.guard, route(async (req, res) => {
    const body = await jsonBody<FirstResponseBody>(req, firstResponseBodySchema, 'first response');
    const at = timeOr(body.at, now);
    const result = await recordFirstResponse(deps.store, String(req.params.id), at);
    if (!result) throw new LeadgateError('NOT_FOUND', `No routed lead "${String(req.params.id)}"`);
    if (!result.alreadyRecorded) deps.metrics.firstResponse.observe({ rule: result.ruleId }, result.seconds);
    res.json(result);
  }));

  return router;
}
