import { Router, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import type { ConnectorConfig } from '../../connectors/connector.port.js';
import { LeadgateError } from '../../contracts/errors.js';
import { principalOf } from '../../platform/http/admin-auth.js';
import type { Store } from '../../platform/store/store.port.js';
import type { IngressHealth } from '../health.routes.js';
import type { ConnectorActivity } from './connector-activity.js';

/** The routing config as the console shows it; structural, so the gateway does not import the router. */
export interface RoutingSummary {
  rules: readonly { id: string; match: object; pool: readonly string[]; strategy: string; slaMinutes?: number; escalation?: readonly string[] }[];
  fallbackOwner?: string;
}

export interface ConsoleAdminDeps {
  routing: RoutingSummary;
  store: Store;
  connectors: ReadonlyMap<string, Readonly<ConnectorConfig>>;
  ingressHealth: () => Record<string, IngressHealth>;
  activity: ConnectorActivity;
  /** Admin token only. */
  guard: RequestHandler;
  /** Admin or operator token (`requireConsoleReader`): an operator sees its own owner's tasks only. */
  reader: RequestHandler;
}

type Handler = (req: Request, res: Response) => Promise<void>;
const route = (fn: Handler) => (req: Request, res: Response, next: NextFunction): void => {
  fn(req, res).catch(next);
};

// The kinds whose provider cannot sign and so carries the connector's token in the URL.
const tokenInUrl = new Set(['forms', 'sipuni', 'call-webhook']);
const ownerPattern = /^\S{1,128}$/;

/** The URL to paste into the provider's panel; a secret is shown as a placeholder, never echoed. */
function webhookUrl(req: Request, config: Readonly<ConnectorConfig>): string {
  const base = `${req.protocol}://${req.get('host') ?? 'localhost'}/v1/hooks/${config.id}`;
  return tokenInUrl.has(config.kind) && typeof config.secret === 'string' ? `${base}?token=<secret>` : base;
}

type LastEventRow = {
  last: Date | string | null;
};
type TaskRow = {
  id: string;
  phone: string;
  owner_id: string;
  due_at: Date | string;
  attempts: number;
  lead_id: string;
  contact_id: string;
};

const iso = (v: Date | string | null): string | null => (v === null ? null : new Date(v).toISOString());

/**
 * What the console reads that no other admin route serves, under `/v1`, behind the admin token:
 * - `GET /admin/connectors`: each configured connector with kind, webhook URL, health, last stored event,
 *   and events received / rejected per reason over the last hour.
 * - `GET /admin/routing/rules`: the routing rules in order and the fallback owner.
 * - `GET /admin/callbacks?owner=`: open callback tasks, earliest due first (the live page reloads them
 *   after a reconnect, since the stream never replays). Open to operator tokens, pinned to their owner.
 */
export function createConsoleAdminRouter(deps: ConsoleAdminDeps): Router {
  const router = Router();

  router.get('/admin/connectors', deps.guard, route(async (req, res) => {
    const health = deps.ingressHealth();
    const hour = await deps.activity.lastHour();
    const items = await Promise.all([...deps.connectors.values()].map(async (config) => {
      const rows = await deps.store.query<LastEventRow>('select max(received_at) as last from raw_events where connector_id = $1', [config.id]);
      const outcomes = hour[config.id] ?? {};
      const received = Object.values(outcomes).reduce((a, b) => a + b, 0);
      const rejected = Object.fromEntries(Object.entries(outcomes).filter(([k]) => k !== 'accepted' && k !== 'duplicate' && k !== 'ignored'));
      return {
        id: config.id,
        kind: config.kind,
        webhookUrl: webhookUrl(req, config),
        health: health[config.id] ?? null,
        lastEventAt: iso(rows[0]?.last ?? null),
        lastHour: { received, outcomes, rejected },
      };
    }));
    res.set('cache-control', 'no-store').json({ items });
  }));

  router.get('/admin/routing/rules', deps.guard, (_req, res) => {
    res.set('cache-control', 'no-store').json({ rules: deps.routing.rules, fallbackOwner: deps.routing.fallbackOwner ?? null });
  });

  router.get('/admin/callbacks', deps.reader, route(async (req, res) => {
    const asked = typeof req.query.owner === 'string' && req.query.owner !== '' ? req.query.owner : undefined;
    if (asked !== undefined && !ownerPattern.test(asked)) throw new LeadgateError('VALIDATION_FAILED', 'owner must be 1–128 characters without whitespace', { details: { field: 'owner' } });
    const principal = principalOf(res);
    if (principal.role === 'operator' && asked !== undefined && asked !== principal.ownerId) {
      throw new LeadgateError('FORBIDDEN', "an operator token sees its own owner's callbacks only", { details: { reason: 'other_owner', ownerId: principal.ownerId } });
    }
    const owner = principal.role === 'operator' ? principal.ownerId : asked;
    const rows = await deps.store.query<TaskRow>(
      `select id, phone, owner_id, due_at, attempts, lead_id, contact_id from callback_tasks
        where status = 'open' and ($1::text is null or owner_id = $1) order by due_at limit 500`,
      [owner ?? null],
    );
    res.set('cache-control', 'no-store').json({
      items: rows.map((r) => ({ taskId: r.id, phone: r.phone, ownerId: r.owner_id, dueAt: iso(r.due_at), attempts: r.attempts, leadId: r.lead_id, contactId: r.contact_id })),
    });
  }));

  return router;
}
