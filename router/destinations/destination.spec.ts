import type { DestinationRefs } from './destination-refs.js';
import type { Destination } from './destination.port.js';
import { bool, int, num, obj, properties, required, str, stringMap, type Field, type InferShape } from './config-schema.builder.js';

/**
 * The plugin contract of a CRM destination: one typed spec per `kind` gives its config type (derived
 * from the schema), the schema itself, its secrets, the behaviour the shared delivery code applies
 * (rate limit default, how a repeat is kept from creating a second record, which CRM answers park it)
 * and the factory of its client. The registry (destination.registry.ts) lists the specs.
 */

/** Keys every kind shares, at the top of `router.destination`. */
export const commonShape = {
  id: str({ description: 'destination id: names its ledger rows, refs, park state and metrics', pattern: '^[a-zA-Z0-9_-]{1,64}$', default: 'crm' }),
  timeoutMs: int({ description: 'per-request timeout of the CRM client', minimum: 100, default: 10000 }),
  ownerMap: stringMap({ description: "our owner id → the CRM's user id (Bitrix24 ASSIGNED_BY_ID, amo responsible_user_id, HubSpot hubspot_owner_id)" }),
  rateLimit: obj(
    {
      perSecond: required(num({ description: 'sustained requests per second', exclusiveMinimum: 0 })),
      burst: int({ description: 'requests allowed at once', minimum: 1, default: 1 }),
    },
    { description: "token bucket in front of the CRM; absent: the kind's documented default (see docs/destinations.md)" },
  ),
  circuitBreaker: obj(
    {
      consecutiveFailures: int({ description: 'consecutive retriable failures that open the breaker', minimum: 1, default: 5 }),
      halfOpenAfterMs: int({ description: 'how long it stays open before one probe is let through (half-open)', minimum: 100, default: 30000 }),
    },
    { description: 'stops calling a failing CRM for a while', default: {} },
  ),
};
export type CommonShape = typeof commonShape;
type Shape = Record<string, Field<unknown>>;

/** Token bucket: `perSecond` sustained, up to `burst` at once. */
export type RateLimitConfig = NonNullable<InferShape<CommonShape>['rateLimit']>;
export type CircuitBreakerConfig = InferShape<CommonShape>['circuitBreaker'];

/**
 * How a kind keeps a retried or replayed delivery from creating a second record:
 * `idempotency-key` — the receiver deduplicates by the `Idempotency-Key` header;
 * `lookup-before-create` — a delivery that may be a repeat is first looked up by our key;
 * `upsert-by-key` — the record is upserted by a property holding our key;
 * `ref-table` — our ref table (destination_refs) remembers what was created, guarding every create.
 */
export type IdempotencyMode = 'idempotency-key' | 'lookup-before-create' | 'upsert-by-key' | 'ref-table';

/**
 * `flat`: the kind's keys sit next to the common ones (the webhook's original shape);
 * `section`: under a key named after the kind (`router.destination.bitrix24.webhookUrl`).
 */
export type Placement = 'flat' | 'section';

type Base<K extends string> = InferShape<CommonShape> & { kind: K };
export type ConfigOf<K extends string, S extends Shape, P extends Placement> = P extends 'flat'
  ? Base<K> & InferShape<S>
  : Base<K> & { [Key in K]: InferShape<S> };

export interface DestinationSpec<K extends string, S extends Shape, P extends Placement> {
  kind: K;
  /** One line for the docs: what the kind delivers to. */
  summary: string;
  placement: P;
  settings: S;
  /** Keys of `settings` holding credentials: masked in logs and never shown by the CLI. */
  secrets: readonly (keyof S & string)[];
  /** Applied when the config sets no `rateLimit`: the CRM's documented limit with headroom. */
  rateLimit?: RateLimitConfig;
  /** Every way this kind avoids a duplicate; the shared recovery path relies on at least one. */
  idempotency: readonly IdempotencyMode[];
  /** CRM answers that park the destination (no calls until resumed); empty: it is never parked. */
  parksOn: readonly string[];
  create(config: ConfigOf<K, S, P>, refs: DestinationRefs): Destination;
}

/** A registered kind: its spec plus the schema pieces the registry assembles. */
export interface DestinationDefinition<K extends string = string, S extends Shape = Shape, P extends Placement = Placement> extends DestinationSpec<K, S, P> {
  /** The kind's own JSON Schema: the flat keys, or the one section object. */
  readonly schemaProperties: Record<string, unknown>;
  /** Keys that must be present when `kind` is this one. */
  readonly requiredKeys: readonly string[];
  /** The keys of `router.destination` the kind's secrets live at (`token`, `amocrm.token`). */
  readonly secretPaths: readonly string[];
}

export type AnyDestinationDefinition = DestinationDefinition<string, Shape, Placement>;
export type DefinitionConfig<D> = D extends DestinationDefinition<infer K, infer S, infer P> ? ConfigOf<K, S, P> : never;

export function defineDestination<const K extends string, S extends Shape, P extends Placement>(spec: DestinationSpec<K, S, P>): DestinationDefinition<K, S, P> {
  const { properties: flat, required: flatRequired } = properties(spec.settings);
  const section = obj(spec.settings, { description: `${spec.summary} (kind \`${spec.kind}\`)` });
  const isFlat = spec.placement === 'flat';
  return {
    ...spec,
    schemaProperties: isFlat ? flat : { [spec.kind]: section.schema },
    requiredKeys: isFlat ? flatRequired : [spec.kind],
    secretPaths: spec.secrets.map((key) => (isFlat ? key : `${spec.kind}.${key}`)),
  };
}

export { bool, int, num, obj, required, str, stringMap };
