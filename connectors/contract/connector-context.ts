import type { Logger } from 'pino';
import { DEFAULT_BODY_LIMIT_BYTES } from '../../platform/http/body-reader.js';
import type { Store } from '../../platform/store/store.port.js';
import type { Metrics } from '../../platform/telemetry/metrics.js';
import type { ConnectorConfig, ConnectorContext } from '../connector.port.js';
import { createCheckpoints } from './checkpoints.js';
import { createEmitter, type SignalHandlers } from './connector-signal.js';

export interface ConnectorContextParts<C extends ConnectorConfig> {
  config: Readonly<C>;
  ingest: ConnectorContext<C>['ingest'];
  reject?: ConnectorContext<C>['reject'];
  logger: Logger;
  store: Store;
  metrics: Metrics;
  bodyLimitBytes?: number;
  signals?: SignalHandlers;
}

/** The context one connector instance runs with; the gateway builds one per instance, tests build their own. */
export function createConnectorContext<C extends ConnectorConfig>(parts: ConnectorContextParts<C>): ConnectorContext<C> {
  const { config, logger } = parts;
  return {
    config,
    ingest: parts.ingest,
    reject: parts.reject ?? ((outcome) => parts.metrics.eventsReceived.inc({ connector: config.id, outcome })),
    logger,
    store: parts.store,
    checkpoints: createCheckpoints(parts.store, config.id),
    metrics: parts.metrics,
    bodyLimitBytes: parts.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES,
    emit: createEmitter(parts.signals ?? {}, (err, signal) => logger.warn({ err, signal: signal.type, event: 'connector.signal_failed' }, 'signal handler threw')),
  };
}
