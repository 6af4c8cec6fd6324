import type { Logger } from 'pino';
import type { LeadgateConfig } from '../config/config.types.js';
import { connectorPlugins } from '../connectors/registry.js';
import type { Bus } from '../platform/bus/bus.port.js';
import { openConfiguredBus, openConfiguredStore } from './backends.opener.js';
import type { Store } from '../platform/store/store.port.js';
import { Metrics } from '../platform/telemetry/metrics.js';
import type { NormalizationOptions } from '../normalizer/draft.cleaner.js';
import { Normalizer, type NormalizerOptions } from '../normalizer/normalizer.service.js';

/** The normalizer's settings from the validated config (shared by the pipeline and the CLI). */
export function normalizerSettings(config: LeadgateConfig): Pick<NormalizerOptions, 'defaultRegion' | 'mergeWindowMinutes' | 'mergeWindows' | 'normalization' | 'eventTime' | 'connectors' | 'batch'> {
  const n = config.normalizer;
  return {
    defaultRegion: n.defaultRegion,
    mergeWindowMinutes: n.mergeWindowMinutes,
    mergeWindows: n.mergeWindows,
    normalization: { phone: n.phone, email: n.email, name: n.name, shared: n.sharedContacts },
    eventTime: n.eventTime,
    connectors: config.connectors,
    batch: n.batch,
  };
}

export interface NormalizerRuntime {
  bus: Bus;
  store: Store;
  /** A normalizer that is not subscribed: for one-off work (replay, erasure) from the CLI. */
  normalizer: Normalizer;
  close(): Promise<void>;
}

/**
 * Opens the configured store and bus without starting any stage or listening on a port, so a CLI
 * command can run next to a live installation.
 */
export async function openNormalizerRuntime(config: LeadgateConfig, logger: Logger): Promise<NormalizerRuntime> {
  const store = await openConfiguredStore(config, logger);
  const bus = await openConfiguredBus(config, store, logger, { clientIdSuffix: '-cli' });
  const normalizer = new Normalizer({ bus, store, plugins: connectorPlugins, metrics: new Metrics({ defaultMetrics: false }), logger, ...normalizerSettings(config) });
  return {
    bus,
    store,
    normalizer,
    async close() {
      await bus.close();
      await store.close();
    },
  };
}

/** The cleaning rules from the config (region, phone, e-mail, name). */
export function normalizationOf(config: LeadgateConfig): NormalizationOptions {
  return { defaultRegion: config.normalizer.defaultRegion, phone: config.normalizer.phone, email: config.normalizer.email, name: config.normalizer.name };
}
