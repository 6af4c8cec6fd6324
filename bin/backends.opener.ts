import type { LeadgateConfig } from '../config/config.types.js';
import type { Bus } from '../platform/bus/bus.port.js';
import { createKafkaBus } from '../platform/bus/kafka-bus.js';
import { createLogBus } from '../platform/bus/log-bus.js';
import { namespacedBus } from '../platform/bus/namespaced-bus.js';
import { openStore } from '../platform/store/open-store.js';
import type { Store } from '../platform/store/store.port.js';
import type { Logger } from '../platform/telemetry/logger.js';

/**
 * The store the config names: PostgreSQL (with its pool size) when `store.url` is set, else PGlite in
 * `store.dataDir` (locked against a second process). The server and every CLI command open it here.
 */
export function openConfiguredStore(config: LeadgateConfig, logger: Logger): Promise<Store> {
  return openStore(config.store.url ? { kind: 'postgres', url: config.store.url, poolSize: config.store.poolSize } : { kind: 'embedded', dataDir: config.store.dataDir }, logger);
}

export interface BusOpenOptions {
  /** Appended to the Kafka client id (`-cli`) so brokers tell a command from a role. */
  clientIdSuffix?: string;
  /** The gateway with a spool starts while Kafka is down. */
  allowStartWithoutBroker?: boolean;
}

/** The bus the config names (Kafka when brokers are set, else the embedded log in `store`), namespaced. */
export async function openConfiguredBus(config: LeadgateConfig, store: Store, logger: Logger, options: BusOpenOptions = {}): Promise<Bus> {
  const kafka = config.bus.kafka;
  const base = kafka
    ? await createKafkaBus({ brokers: kafka.brokers, clientId: `${kafka.clientId}${options.clientIdSuffix ?? ''}`, partitions: kafka.partitions, logger, ...(options.allowStartWithoutBroker ? { allowStartWithoutBroker: true } : {}) })
    : createLogBus(store, { logger });
  return config.bus.namespace ? namespacedBus(base, config.bus.namespace) : base;
}
