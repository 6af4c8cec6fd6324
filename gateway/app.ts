import express, { type Express, type Router } from 'express';
import type { Logger } from 'pino';
import { LeadgateError } from '../contracts/errors.js';
import type { ConnectorConfig, ConnectorContext, ConnectorPlugin } from '../connectors/connector.port.js';
import { createConnectorContext } from '../connectors/contract/connector-context.js';
import type { SignalHandlers } from '../connectors/contract/connector-signal.js';
import type { Bus } from '../platform/bus/bus.port.js';
import { DEFAULT_BODY_LIMIT_BYTES } from '../platform/http/body-reader.js';
import { errorHandler, notFoundHandler } from '../platform/http/error-handler.js';
import type { ExtraRouter } from '../platform/http/extra-router.js';
import type { Store } from '../platform/store/store.port.js';
import type { Metrics } from '../platform/telemetry/metrics.js';
import { validateOrThrow } from '../platform/validation.js';
import { createHealthRouter, type HealthDeps } from './health.routes.js';
import { createIngest, stampRequestTime } from './ingest.js';
import { createRawKeyBuilder } from './raw-key.js';
import { createIngressHandle, type IngressHandle } from './ingresses.js';
import { mountConsole, type ConsoleOptions } from './console/console.mount.js';

export interface ConfiguredConnector {
  plugin: ConnectorPlugin;
  config: ConnectorConfig;
}

export interface GatewayDeps {
  connectors: ConfiguredConnector[];
  bus: Bus;
  store: Store;
  metrics: Metrics;
  logger: Logger;
  /** Per-request body limit for webhook routes. Default 256 KiB: a lead form is a few KiB. */
  bodyLimitBytes?: number;
  extraRouters?: ExtraRouter[];
  /** Express `trust proxy`: set it when behind a load balancer so `remoteIp` is the client, not the balancer. */
  trustProxy?: boolean | number | string;
  /** Deadline for each bus/store readiness probe. */
  readyProbeTimeoutMs?: number;
  /** True once a shutdown began: `/ready` turns 503 (health.routes.ts). */
  draining?: () => boolean;
  /** Handlers of the signals connectors raise with `ctx.emit` (the live stream's `call.ringing`). */
  signals?: SignalHandlers;
  /** Content-hash dedupe of id-less requests: same body within this many minutes of its first receipt collapses. */
  retryWindowMinutes?: number;
  /** Serves the operator console at `/console` with its admin reads and the reaction report (docs/console.md). */
  console?: ConsoleOptions;
  /** See HealthDeps.metricsAccess (metrics on their own port, or behind a token). */
  metricsAccess?: HealthDeps['metricsAccess'];
}

/**
 * The app plus the lifecycle of background ingresses (plugin `start`): the caller runs `start()` after
 * `listen` and `stop()` before closing the bus. Both are idempotent.
 */
export interface GatewayApp extends IngressHandle {
  app: Express;
  /** The validated, frozen config of each connector, keyed by id. */
  connectors: ReadonlyMap<string, Readonly<ConnectorConfig>>;
}

/** Connector ids become URL segments and metric labels, so they are kept to a boring alphabet. */
const connectorIdPattern = /^[a-z0-9][a-z0-9_-]{0,63}$/;

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** Validates a connector instance against its plugin's schema (filling defaults) and freezes the result. */
export function prepareConnectorConfig(plugin: ConnectorPlugin, config: ConnectorConfig): Readonly<ConnectorConfig> {
  if (!connectorIdPattern.test(String(config.id))) {
    throw new LeadgateError('CONFIG_INVALID', `Connector id "${String(config.id)}" must match ${connectorIdPattern.source}`, {
      details: { connector: config.id },
    });
  }
  if (config.kind !== plugin.kind) {
    throw new LeadgateError('CONFIG_INVALID', `Connector "${config.id}" has kind "${config.kind}" but was given plugin "${plugin.kind}"`, {
      details: { connector: config.id },
    });
  }
  const copy = structuredClone(config);
  validateOrThrow<ConnectorConfig>(plugin.configSchema, copy, `Connector "${config.id}" config`, 'CONFIG_INVALID');
  return deepFreeze(copy);
}

/**
 * The gateway's express app: connector webhooks under `/v1/hooks/<id>`, `/health`, `/ready`, `/metrics`,
 * extra routers, and one JSON error shape for everything. Configs are validated here, once, at build time.
 */
export function createGatewayApp(deps: GatewayDeps): GatewayApp {
  const { bus, store, metrics, logger } = deps;
  const limit = deps.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES;
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', deps.trustProxy ?? false);

  const configs = new Map<string, Readonly<ConnectorConfig>>();
  const background: { plugin: ConnectorPlugin; ctx: ConnectorContext }[] = [];
  const hooks: { id: string; router: Router }[] = [];
  const rawKey = createRawKeyBuilder({ store, logger, ...(deps.retryWindowMinutes !== undefined ? { retryWindowMinutes: deps.retryWindowMinutes } : {}) });

  for (const { plugin, config: rawConfig } of deps.connectors) {
    const config = prepareConnectorConfig(plugin, rawConfig);
    if (configs.has(config.id)) {
      throw new LeadgateError('CONFIG_INVALID', `Connector id "${config.id}" is used twice`, { details: { connector: config.id } });
    }
    configs.set(config.id, config);
    const connectorLogger = logger.child({ connector: config.id, kind: plugin.kind });
    const ctx = createConnectorContext({
      config,
      ingest: createIngest({ plugin, config, bus, metrics, logger: connectorLogger, rawKey }),
      logger: connectorLogger,
      store,
      metrics,
      bodyLimitBytes: limit,
      ...(deps.signals ? { signals: deps.signals } : {}),
    });
    if (plugin.createRouter) hooks.push({ id: config.id, router: plugin.createRouter(ctx) });
    if (plugin.start) background.push({ plugin, ctx });
  }

  const ingresses = createIngressHandle(background, metrics, logger);
  app.use(createHealthRouter({ bus, store, metrics, ingressHealth: ingresses.health, probeTimeoutMs: deps.readyProbeTimeoutMs, ...(deps.metricsAccess !== undefined ? { metricsAccess: deps.metricsAccess } : {}), ...(deps.draining ? { draining: deps.draining } : {}) }));

  for (const { id, router } of hooks) {
    app.use(`/v1/hooks/${id}`, stampRequestTime(), router);
  }
  app.use('/v1/hooks/:connectorId', (req, _res, next) => {
    const id = String(req.params.connectorId);
    const message = configs.has(id) ? `Connector "${id}" has no route for ${req.method} ${req.path}` : `No connector "${id}"`;
    next(new LeadgateError('NOT_FOUND', message, { details: { connector: id } }));
  });

  const stopConsole = deps.console ? mountConsole(app, deps.console, { store, metrics, connectors: configs, ingressHealth: ingresses.health }) : () => undefined;
  for (const extra of deps.extraRouters ?? []) app.use(extra.path, extra.router);

  app.use(notFoundHandler());
  app.use(errorHandler(logger));
  return { app, start: ingresses.start, stop: async () => { stopConsole(); await ingresses.stop(); }, health: ingresses.health, connectors: configs };
}
