import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { Store } from '../../platform/store/store.port.js';
import type { Metrics } from '../../platform/telemetry/metrics.js';
import { DestinationParking } from '../resilience/destination-parking.js';
import { ResilientDestination } from '../resilience/resilient.destination.js';
import { AmoCrmDestination } from './amocrm.destination.js';
import { Bitrix24Destination } from './bitrix24.destination.js';
import type { DestinationConfig, DestinationKind, RateLimitConfig } from './destination.config.js';
import { StoreDestinationRefs, type DestinationRefs } from './destination-refs.js';
import type { Destination } from './destination.port.js';
import { HubSpotDestination } from './hubspot.destination.js';
import { WebhookDestination } from './webhook.destination.js';

/**
 * Documented limits with headroom, used when the config sets no `rateLimit`: Bitrix24's leaky bucket
 * drains 2 req/s (burst 50; we keep 10 in reserve for other apps on the portal), amoCRM allows 7 req/s
 * and punishes bursts with an IP block, HubSpot's smallest plan allows 100 per 10 s. A webhook has none.
 */
export const defaultRateLimits: Readonly<Record<DestinationKind, RateLimitConfig | undefined>> = {
  webhook: undefined,
  bitrix24: { perSecond: 2, burst: 40 },
  amocrm: { perSecond: 5, burst: 5 },
  hubspot: { perSecond: 9, burst: 10 },
};

export interface DestinationDeps {
  store: Store;
  metrics: Metrics;
  logger: Logger;
  refs?: DestinationRefs;
  parking?: DestinationParking;
  parkRecheckMs?: number;
}

/** The bare CRM client for a config, without resilience (tests, the benchmark). */
export function createBareDestination(config: DestinationConfig, refs: DestinationRefs): Destination {
  switch (config.kind) {
    case 'webhook':
      return new WebhookDestination(config);
    case 'bitrix24':
      return new Bitrix24Destination(config, refs);
    case 'amocrm':
      return new AmoCrmDestination(config, refs);
    case 'hubspot':
      return new HubSpotDestination(config, refs);
  }
}

export function destinationConfigHash(config: DestinationConfig): string {
  return createHash('sha256').update(JSON.stringify(config)).digest('hex').slice(0, 16);
}

/**
 * Builds the configured destination wrapped in its rate limit, circuit breaker and parked check. A park
 * left from a different configuration of the same destination is cleared here (config reload resumes).
 */
export async function createDestination(config: DestinationConfig, deps: DestinationDeps): Promise<ResilientDestination> {
  const parking = deps.parking ?? new DestinationParking(deps.store);
  const configHash = destinationConfigHash(config);
  await parking.reconcile(config.id, configHash);
  const inner = createBareDestination(config, deps.refs ?? new StoreDestinationRefs(deps.store));
  const rateLimit = config.rateLimit ?? defaultRateLimits[config.kind];
  return new ResilientDestination(inner, {
    ...(rateLimit ? { rateLimit } : {}),
    circuitBreaker: config.circuitBreaker,
    parking,
    metrics: deps.metrics,
    logger: deps.logger.child({ destination: config.id, kind: config.kind }),
    configHash,
    ...(deps.parkRecheckMs !== undefined ? { parkRecheckMs: deps.parkRecheckMs } : {}),
  });
}
