import type { DefinitionConfig, DestinationDefinition } from './destination.spec.js';
import type { BuiltInDestinationKinds } from './destination.registry.js';

/**
 * Configuration of the one CRM destination a router delivers to (`router.destination`): the union of
 * every registered kind's config, each derived from its spec's schema (no hand-kept interface).
 */

export type { RateLimitConfig, CircuitBreakerConfig } from './destination.spec.js';
export type { WebhookDestinationConfig } from './webhook.kind.js';
export type { Bitrix24DestinationConfig, Bitrix24Settings } from './bitrix24.kind.js';
export type { AmoCrmDestinationConfig, AmoCrmSettings } from './amocrm.kind.js';
export type { HubSpotDestinationConfig, HubSpotSettings } from './hubspot.kind.js';

type Configs = DefinitionConfig<BuiltInDestinationKinds[number]>;
/** Keys of the flat kinds: they read as undefined on the other kinds, so code can probe them without narrowing. */
type FlatKeysOf<D> = D extends DestinationDefinition<string, infer S, 'flat'> ? keyof S & string : never;
type FlatKeys = FlatKeysOf<BuiltInDestinationKinds[number]>;
type WithoutOthers<C> = C & { [K in Exclude<FlatKeys, keyof C>]?: undefined };
type Distribute<C> = C extends unknown ? WithoutOthers<C> : never;

export type DestinationConfig = Distribute<Configs>;
export type DestinationKind = DestinationConfig['kind'];
