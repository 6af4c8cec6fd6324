import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { Store } from '../../platform/store/store.port.js';
import type { Metrics } from '../../platform/telemetry/metrics.js';
import { DestinationParking } from '../resilience/destination-parking.js';
import { ResilientDestination } from '../resilience/resilient.destination.js';
import type { DestinationConfig } from './destination.config.js';
import { destinationKinds, findDestinationKind, type DestinationRegistry } from './destination.registry.js';
import { StoreDestinationRefs, type DestinationRefs } from './destination-refs.js';
import type { Destination } from './destination.port.js';
import type { CommonShape, RateLimitConfig } from './destination.spec.js';
import type { InferShape } from './config-schema.builder.js';

/** What the factory needs of a config: the common keys and a kind some registry knows. */
export type AnyDestinationConfig = DestinationConfig | (InferShape<CommonShape> & { kind: string });

export interface DestinationDeps {
  store: Store;
  metrics: Metrics;
  logger: Logger;
  refs?: DestinationRefs;
  parking?: DestinationParking;
  parkRecheckMs?: number;
  /**
   * Keep the rate limit in `store`, shared by every router instance on it (the composition root sets it);
   * absent or false: a bucket per process, as tests and tools that build a destination need.
   */
  sharedRateLimit?: boolean;
  /** The kinds to build from; the built-in registry unless a test adds its own. */
  registry?: DestinationRegistry;
}

function definitionOf(config: AnyDestinationConfig, registry: DestinationRegistry) {
  const definition = findDestinationKind(registry, config.kind);
  // Config validation rejects unknown kinds first; reaching this is a wiring mistake.
  if (!definition) throw new Error(`unknown destination kind "${config.kind}" (known: ${registry.map((d) => d.kind).join(', ')})`);
  return definition;
}

/** The bare CRM client for a config, without resilience (tests, the benchmark). */
export function createBareDestination(config: AnyDestinationConfig, refs: DestinationRefs, registry: DestinationRegistry = destinationKinds): Destination {
  // The registry pairs each kind with its own factory; the config was validated against that kind's schema.
  return definitionOf(config, registry).create(config as never, refs);
}

/** The rate limit applied: the config's, else the kind's declared default, else none. */
export function rateLimitOf(config: AnyDestinationConfig, registry: DestinationRegistry = destinationKinds): RateLimitConfig | undefined {
  return config.rateLimit ?? definitionOf(config, registry).rateLimit;
}

export function destinationConfigHash(config: AnyDestinationConfig): string {
  return createHash('sha256').update(JSON.stringify(config)).digest('hex').slice(0, 16);
}

/**
 * Builds the configured destination wrapped in its rate limit, circuit breaker and parked check. A park
 * left from a different configuration of the same destination is cleared here (config reload resumes).
 */
export async function createDestination(config: AnyDestinationConfig, deps: DestinationDeps): Promise<ResilientDestination> {
  const registry = deps.registry ?? destinationKinds;
  const parking = deps.parking ?? new DestinationParking(deps.store);
  const configHash = destinationConfigHash(config);
  await parking.reconcile(config.id, configHash);
  const inner = createBareDestination(config, deps.refs ?? new StoreDestinationRefs(deps.store), registry);
  const rateLimit = rateLimitOf(config, registry);
  return new ResilientDestination(inner, {
    ...(rateLimit ? { rateLimit } : {}),
    ...(deps.sharedRateLimit ? { rateStore: deps.store } : {}),
    circuitBreaker: config.circuitBreaker,
    parking,
    metrics: deps.metrics,
    logger: deps.logger.child({ destination: config.id, kind: config.kind }),
    configHash,
    ...(deps.parkRecheckMs !== undefined ? { parkRecheckMs: deps.parkRecheckMs } : {}),
  });
}
