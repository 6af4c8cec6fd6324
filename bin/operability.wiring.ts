import type { AddressInfo } from 'node:net';
import type { LeadgateConfig } from '../config/config.types.js';
import { listen } from '../gateway/server.js';
import type { HealthDeps } from '../gateway/health.routes.js';
import type { Store } from '../platform/store/store.port.js';
import { embeddedLagReader, kafkaLagReader } from '../platform/telemetry/consumer-lag.js';
import type { Logger } from '../platform/telemetry/logger.js';
import { createMetricsApp, requireMetricsToken } from '../platform/telemetry/metrics.endpoint.js';
import type { Metrics } from '../platform/telemetry/metrics.js';

export interface Operability {
  /** For the health router: where and how `/metrics` is served. */
  metricsAccess: HealthDeps['metricsAccess'] | undefined;
  /** Port of the separate metrics listener, when `metrics.port` is set. */
  metricsPort?: number;
  stop(): Promise<void>;
}

/**
 * Scrape-time metrics (DLQ depth from the store, consumer lag from Kafka or the embedded log) and the
 * `/metrics` exposure the config asks for: on the gateway port, behind a token, or on a port of its own.
 */
export async function startOperability(config: LeadgateConfig, deps: { store: Store; metrics: Metrics; logger: Logger; spooled: boolean }): Promise<Operability> {
  const kafka = config.bus.kafka;
  const lag = kafka
    ? kafkaLagReader({ brokers: kafka.brokers, clientId: kafka.clientId, logger: deps.logger, ...(config.bus.namespace ? { namespace: config.bus.namespace } : {}) })
    : undefined;
  deps.metrics.ops.attach({ store: deps.store, lag: lag ?? embeddedLagReader(deps.store), logger: deps.logger, ...(deps.spooled && config.bus.spool ? { spoolCapacity: config.bus.spool.maxRecords } : {}) });
  const token = config.metrics.token;
  if (config.metrics.port === undefined) {
    return { metricsAccess: token ? requireMetricsToken(token) : undefined, stop: async () => lag?.close() };
  }
  const server = await listen(createMetricsApp(deps.metrics, token), { ...config.server, host: config.metrics.host, port: config.metrics.port });
  const metricsPort = (server.address() as AddressInfo).port;
  deps.logger.info({ port: metricsPort }, 'metrics listening');
  return {
    metricsAccess: false,
    metricsPort,
    async stop() {
      await server.shutdown();
      await lag?.close();
    },
  };
}
