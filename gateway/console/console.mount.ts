import type { Express } from 'express';
import type { ConnectorConfig } from '../../connectors/connector.port.js';
import type { IdentityAdminPort } from '../../contracts/identity-admin.js';
import type { Store } from '../../platform/store/store.port.js';
import type { Metrics } from '../../platform/telemetry/metrics.js';
import { principalOf, requireAdminToken, requireConsoleReader, type OperatorToken } from '../../platform/http/admin-auth.js';
import type { IngressHealth } from '../health.routes.js';
import { createReactionReportRouter } from '../reports/reaction-report.routes.js';
import { ConnectorActivity } from './connector-activity.js';
import { createConsoleAdminRouter, type RoutingSummary } from './console-admin.routes.js';
import { createConsoleDeadLettersRouter } from './console-dead-letters.routes.js';
import { createConsoleLookupRouter } from './console-lookup.routes.js';
import { createConsoleStaticRouter } from './console-static.routes.js';

export interface ConsoleOptions {
  /** The admin token the console signs in with (the same one guarding the admin API). */
  adminToken: string | undefined;
  /** Read-only tokens per owner (`admin.operators`): lookup, reports, masked dead letters, their own stream. */
  operators?: readonly OperatorToken[];
  /** The normalizer's identity operations (lead lookup by phone, e-mail or id), wired by the composition root. */
  identity: IdentityAdminPort;
  /** The routing rules in order, shown read-only (the router's config owns them). */
  routing: RoutingSummary;
  /** Overrides where the built console is looked for (tests). */
  assetsDir?: string;
}

/**
 * Mounts the operator console on the gateway: `/console` (static, strict CSP), `/` redirecting to it, the
 * console's own admin reads and the reaction report. Returns a stop for the activity sampler.
 */
export function mountConsole(app: Express, options: ConsoleOptions, deps: { store: Store; metrics: Metrics; connectors: ReadonlyMap<string, Readonly<ConnectorConfig>>; ingressHealth: () => Record<string, IngressHealth> }): () => void {
  const operators = options.operators ?? [];
  const guard = requireAdminToken(options.adminToken, operators);
  const reader = requireConsoleReader(options.adminToken, operators);
  const activity = new ConnectorActivity(deps.metrics);
  app.get('/', (_req, res) => res.redirect(302, '/console/'));
  app.use('/console', createConsoleStaticRouter(options.assetsDir));
  // What the console shows after sign-in: the whole console for the admin, the read-only one for an operator.
  app.get('/v1/admin/whoami', reader, (_req, res) => {
    res.set('cache-control', 'no-store').json(principalOf(res));
  });
  app.use('/v1', createConsoleAdminRouter({ store: deps.store, connectors: deps.connectors, ingressHealth: deps.ingressHealth, activity, guard, reader, routing: options.routing }));
  app.use('/v1', createConsoleDeadLettersRouter({ store: deps.store, guard: reader }));
  app.use('/v1', createConsoleLookupRouter({ identity: options.identity, guard: reader }));
  app.use('/v1', createReactionReportRouter({ store: deps.store, guard: reader }));
  return () => activity.stop();
}
