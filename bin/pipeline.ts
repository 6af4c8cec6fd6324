import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { LeadgateConfig } from '../config/config.types.js';
import { connectorPlugins } from '../connectors/registry.js';
import { createGatewayApp } from '../gateway/app.js';
import { listen } from '../gateway/server.js';
import { Normalizer } from '../normalizer/normalizer.service.js';
import type { Bus } from '../platform/bus/bus.port.js';
import { createSpoolingBus } from '../platform/bus/spooling-bus.js';
import { poisonGuardedBus } from '../platform/bus/poison-guard.js';
import { Topics } from '../contracts/topics.js';
import { openConfiguredBus, openConfiguredStore } from './backends.opener.js';
import { startOperability } from './operability.wiring.js';
import type { Store } from '../platform/store/store.port.js';
import { Metrics } from '../platform/telemetry/metrics.js';
import { DeliveryLedger } from '../router/delivery.ledger.js';
import { Deliverer } from '../router/deliverer.js';
import { createDestination } from '../router/destinations/destination.factory.js';
import { createDlqAdminRouters, startDlqRecorder } from '../router/dlq/dlq.wiring.js';
import { OwnerAssigner } from '../router/owner.assigner.js';
import { Router } from '../router/router.service.js';
import { createRoutingAdminRouter } from '../router/admin/routing-admin.routes.js';
import { CallbackHandler } from '../router/callbacks/callback.handler.js';
import { ContactDeliveries } from '../router/contact-deliveries.js';
import { RoutingEngine } from '../router/rules/routing.engine.js';
import { LiveEventPublisher } from '../router/sla/live-event.publisher.js';
import { SlaLoop } from '../router/sla/sla.loop.js';
import express, { type Express } from 'express';
import { createOpenApiRouter } from './openapi/openapi.routes.js';
import { createHealthRouter } from '../gateway/health.routes.js';
import { createLeadsAdminRouter } from '../gateway/admin/leads.routes.js';
import { requireAdminToken } from '../platform/http/admin-auth.js';
import { LiveStream } from '../gateway/stream/live-stream.service.js';
import { createRingingAnnouncer } from '../gateway/stream/ringing.announcer.js';
import { createRingingPublisher } from '../gateway/stream/ringing.publisher.js';
import { normalizationOf, normalizerSettings } from './normalizer-runtime.js';
import { createIdentityAdmin } from '../normalizer/identity-admin.service.js';

export type Role = 'gateway' | 'normalizer' | 'router';
export const allRoles: readonly Role[] = ['gateway', 'normalizer', 'router'];

export interface RunningPipeline {
  bus: Bus;
  store: Store;
  metrics: Metrics;
  /** Port the gateway listens on (when the gateway role runs). */
  port?: number;
  /** Port of the separate `/metrics` listener (`metrics.port`). */
  metricsPort?: number;
  /** The gateway's express app (gateway role), e.g. for checking its routes against the OpenAPI document. */
  app?: Express;
  /** Drains and stops every stage, then closes bus and store. Idempotent. */
  close(): Promise<void>;
}

/**
 * The composition root: opens the store and the bus chosen by the config (Kafka when brokers are set,
 * else the embedded log; PostgreSQL when a URL is set, else PGlite) and starts the requested roles.
 */
export async function startPipeline(config: LeadgateConfig, roles: readonly Role[], logger: Logger, metrics = new Metrics()): Promise<RunningPipeline> {
  const store = await openConfiguredStore(config, logger);
  // The gateway with a spool must start (and accept webhooks into the spool) while Kafka is down.
  const spool = config.bus.kafka && config.bus.spool?.enabled && roles.includes('gateway') ? config.bus.spool : undefined;
  const namespaced = await openConfiguredBus(config, store, logger, { allowStartWithoutBroker: spool !== undefined });
  const spooled = spool
    ? await createSpoolingBus({ target: namespaced, topics: [Topics.raw], dataDir: spool.dataDir, maxRecords: spool.maxRecords, logger, metrics })
    : namespaced;
  // Every consumer below subscribes through the guard: a record it cannot process is dead-lettered, not retried forever.
  const bus = poisonGuardedBus(spooled, { logger: logger.child({ stage: 'bus' }), metrics, policy: config.bus.poison });
  // Each stop gets the shutdown deadline (server.shutdownGraceMs from the start of `close`), shared by all.
  const stops: ((deadline: AbortSignal) => Promise<void>)[] = [];
  // Stateless over the config: every role that routes, dry-runs or escalates builds the same one.
  const routing = new RoutingEngine({ owners: config.router.owners, rules: config.router.rules, ...(config.router.fallbackOwner ? { fallbackOwner: config.router.fallbackOwner } : {}) });
  let port: number | undefined;
  let app: Express | undefined;
  const operability = await startOperability(config, { store, metrics, logger: logger.child({ stage: 'metrics' }), spooled: spool !== undefined });
  stops.push(() => operability.stop());
  const metricsAccess = operability.metricsAccess !== undefined ? { metricsAccess: operability.metricsAccess } : {};
  // Set first on close: `/ready` answers 503 before the listener stops accepting.
  let draining = false;
  const isDraining = (): boolean => draining;

  if (roles.includes('normalizer')) {
    const normalizer = new Normalizer({
      bus,
      store,
      plugins: connectorPlugins,
      metrics,
      logger: logger.child({ stage: 'normalizer' }),
      ...normalizerSettings(config),
    });
    await normalizer.start();
    stops.push((deadline) => normalizer.stop(deadline));
  }
  if (roles.includes('router')) {
    const destination = await createDestination(config.router.destination, { store, metrics, logger: logger.child({ stage: 'router' }), sharedRateLimit: true });
    const deliverer = new Deliverer({
      bus,
      ledger: new DeliveryLedger(store),
      destination,
      metrics,
      logger: logger.child({ stage: 'router' }),
      policy: config.router.retry,
    });
    const routerLogger = logger.child({ stage: 'router' });
    const events = new LiveEventPublisher(bus, routerLogger);
    const router = new Router({
      bus,
      assigner: new OwnerAssigner(store, routing),
      deliverer,
      metrics,
      logger: routerLogger,
      destinationId: destination.id,
      events,
      callbacks: new CallbackHandler(store, { config: config.router.callbacks, events, metrics }),
      contacts: new ContactDeliveries(store),
      batch: config.router.batch,
    });
    await router.start();
    stops.push((deadline) => router.stop(deadline));
    const sla = new SlaLoop({ store, engine: routing, events, metrics, logger: routerLogger, config: config.router.sla });
    sla.start();
    stops.push(() => sla.stop());
    stops.push(() => events.flush());
    stops.push(await startDlqRecorder({ bus, store, metrics, logger: logger.child({ stage: 'dlq' }) }));
  }
  if (!roles.includes('gateway')) {
    // Workers without the gateway still answer /health, /ready and /metrics for probes and scraping.
    const ops = express();
    ops.use(createHealthRouter({ bus, store, metrics, ingressHealth: () => ({}), ...metricsAccess, draining: isDraining }));
    const server = await listen(ops, config.server);
    port = (server.address() as AddressInfo).port;
    stops.unshift((deadline) => server.shutdown(deadline));
  }
  if (roles.includes('gateway')) {
    const connectors = config.connectors.map((c) => {
      const plugin = connectorPlugins.get(c.kind);
      if (!plugin) throw new Error(`unknown connector kind ${c.kind}`);
      return { plugin, config: c };
    });
    // Incoming-call popups: telephony ingresses announce call starts, the caller is looked up in the store.
    const ringing = config.stream.enabled
      ? createRingingAnnouncer({ publish: createRingingPublisher(bus, store, { defaultRegion: config.normalizer.defaultRegion }), logger: logger.child({ stage: 'gateway' }) })
      : undefined;
    const identity = createIdentityAdmin(store, bus, normalizationOf(config));
    const gateway = await createGatewayApp({ connectors, bus, store, metrics, logger: logger.child({ stage: 'gateway' }), bodyLimitBytes: config.server.bodyLimitBytes, retryWindowMinutes: config.normalizer.contentDedupe.retryWindowMinutes, draining: isDraining, ...metricsAccess, ...(ringing ? { signals: { 'call.ringing': (signal) => ringing.announce(signal.call) } } : {}), console: { adminToken: config.admin.token, operators: config.admin.operators ?? [], identity, routing: { rules: config.router.rules, ...(config.router.fallbackOwner ? { fallbackOwner: config.router.fallbackOwner } : {}) } }, extraRouters: [
      ...createDlqAdminRouters({ bus, store, logger: logger.child({ stage: 'admin' }), adminToken: config.admin.token, operators: config.admin.operators ?? [] }),
      { path: '/v1', router: createRoutingAdminRouter({ store, engine: routing, owners: config.router.owners, metrics, guard: requireAdminToken(config.admin.token, config.admin.operators ?? []) }) },
      { path: '/', router: createOpenApiRouter() },
      { path: '/v1', router: createLeadsAdminRouter({ identity, metrics, guard: requireAdminToken(config.admin.token, config.admin.operators ?? []) }) },
    ] });
    app = gateway.app;
    const server = await listen(gateway.app, config.server);
    port = (server.address() as AddressInfo).port;
    await gateway.start();
    const stream = config.stream.enabled
      ? new LiveStream({ bus, token: config.admin.token, operators: config.admin.operators ?? [], settings: config.stream, metrics, logger: logger.child({ stage: 'gateway' }) })
      : undefined;
    stops.unshift(async (deadline) => {
      await gateway.stop();
      await ringing?.close();
      // Before the server: upgraded sockets would keep `server.close` waiting.
      await stream?.stop();
      await server.shutdown(deadline);
    });
    await stream?.start(server);
    logger.info({ port }, 'gateway listening');
  }

  let closing: Promise<void> | undefined;
  return {
    bus,
    store,
    metrics,
    ...(port !== undefined ? { port } : {}),
    ...(app ? { app } : {}),
    ...(operability.metricsPort !== undefined ? { metricsPort: operability.metricsPort } : {}),
    close() {
      closing ??= (async () => {
        draining = true;
        const deadline = AbortSignal.timeout(config.server.shutdownGraceMs);
        logger.info({ graceMs: config.server.shutdownGraceMs }, 'draining: not ready, finishing in-flight requests and batches');
        // Ingress first so nothing new is accepted, then consumers finish or hand back their batch, then
        // the bus flushes. One deadline for all: at it, open connections are cut and running handlers
        // abandoned uncommitted (their records are redelivered), so the process leaves in bounded time.
        for (const stop of stops) await stop(deadline).catch((err: unknown) => logger.error({ err }, 'stop failed'));
        await bus.close();
        await store.close();
      })();
      return closing;
    },
  };
}
