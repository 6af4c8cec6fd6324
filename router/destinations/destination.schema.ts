import { properties } from './config-schema.builder.js';
import { commonShape } from './destination.spec.js';
import { destinationKinds, type DestinationRegistry } from './destination.registry.js';

/**
 * `router.destination` as one JSON Schema assembled from a registry: the common keys, every flat kind's
 * keys, every section, and one if/then branch per kind requiring its keys and forbidding the other
 * kinds' sections.
 */
export function destinationSchemaOf(registry: DestinationRegistry): Record<string, unknown> {
  const sections = registry.filter((d) => d.placement === 'section').map((d) => d.kind);
  const { id, ...rest } = properties(commonShape).properties;
  const branch = (kind: string, required: readonly string[]): object => ({
    if: { properties: { kind: { const: kind } } },
    then: { required, properties: Object.fromEntries(sections.filter((s) => s !== kind).map((s) => [s, false])) },
  });
  return {
    description: 'the CRM the router delivers to: a `kind` and its settings, plus the resilience settings every kind shares (see docs/destinations.md)',
    type: 'object',
    additionalProperties: false,
    required: ['kind'],
    default: { kind: 'webhook', url: 'http://127.0.0.1:9090/leads' },
    properties: {
      id,
      kind: { description: `destination kind: ${registry.map((d) => `\`${d.kind}\``).join(', ')}`, enum: registry.map((d) => d.kind) },
      ...rest,
      ...Object.assign({}, ...registry.map((d) => d.schemaProperties)),
    },
    allOf: registry.map((d) => branch(d.kind, d.requiredKeys)),
  };
}

/** The built-in registry's schema; config/config.schema.ts embeds it. */
export const destinationConfigSchema = destinationSchemaOf(destinationKinds);
