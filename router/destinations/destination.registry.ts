import { amoCrmKind } from './amocrm.kind.js';
import { bitrix24Kind } from './bitrix24.kind.js';
import { hubSpotKind } from './hubspot.kind.js';
import { webhookKind } from './webhook.kind.js';
import type { AnyDestinationDefinition } from './destination.spec.js';

/**
 * Every CRM destination kind, one line each. Config validation, the factory, the config reference and
 * the conformance suite read this list; adding a CRM is its folder of files plus one line here.
 */
export const destinationKinds = [
  webhookKind,
  bitrix24Kind,
  amoCrmKind,
  hubSpotKind,
] as const;

export type BuiltInDestinationKinds = typeof destinationKinds;

/** A registry is any list of definitions; tests extend the built-in one with their own kinds. */
export type DestinationRegistry = readonly AnyDestinationDefinition[];

export function findDestinationKind(registry: DestinationRegistry, kind: string): AnyDestinationDefinition | undefined {
  return registry.find((d) => d.kind === kind);
}

/** Keys of `router.destination` holding credentials, across every kind (`token`, `amocrm.token`…). */
export function destinationSecretPaths(registry: DestinationRegistry = destinationKinds): string[] {
  return [...new Set(registry.flatMap((d) => d.secretPaths))];
}
