import type { Router } from 'express';
import type { Channel } from '../../contracts/raw-event.js';
import type { Mapper } from '../../contracts/lead-draft.js';
import type { ConnectorConfig, ConnectorContext, ConnectorPlugin, RunningIngress } from '../connector.port.js';
import { objectSchema, type Field, type JsonSchema, type ShapeOf } from '../../platform/config/config-spec.js';
import { connectorIdSchema } from './connector-id.js';

type Fields = Record<string, Field<unknown, boolean>>;

/** The config spec of one connector kind: its keys, plus schema rules across keys (`oneOf`, `dependencies`). */
export interface ConnectorConfigSpec<C extends ConnectorConfig> {
  readonly kind: C['kind'];
  /** The ajv schema of an instance config, `id` and `kind` included. */
  readonly schema: JsonSchema;
  /** Key paths (`autoReply.text`) holding credentials. */
  readonly secretPaths: readonly string[];
  /** Phantom: the validated config type. */
  readonly config?: C;
}

export type ConfigOf<S> = S extends ConnectorConfigSpec<infer C> ? C : never;

/**
 * Declares the config of kind `kind` once; `ConfigOf<typeof spec>` is its TypeScript type. `rules` are
 * extra JSON Schema keywords on the whole object (e.g. "exactly one credential").
 */
export function connectorConfig<const K extends string, const P extends Fields>(
  kind: K,
  keys: P,
  rules: JsonSchema = {},
): ConnectorConfigSpec<{ id: string; kind: K } & ShapeOf<P>> {
  const { properties, required, secretPaths } = objectSchema(keys);
  const spec: ConnectorConfigSpec<ConnectorConfig> = {
    kind,
    secretPaths,
    schema: {
      $id: `leadgate/connectors/${kind}/config`,
      type: 'object',
      additionalProperties: false,
      required: ['id', 'kind', ...required],
      properties: { id: connectorIdSchema, kind: { const: kind, description: `\`${kind}\`` }, ...properties },
      ...rules,
    },
  };
  // The phantom `config` type is what `keys` describe; nothing at runtime carries it.
  return spec as ConnectorConfigSpec<{ id: string; kind: K } & ShapeOf<P>>;
}

/** What a connector folder declares; `defineConnector` turns it into the registry's plugin. */
export interface ConnectorDefinition<C extends ConnectorConfig> {
  channel: Channel;
  config: ConnectorConfigSpec<C>;
  /** Pure; runs in the normalizer with the instance config in `MapperInput.config`. */
  mapper: Mapper;
  /** Webhook routes, mounted under `/v1/hooks/<connector id>`. */
  createRouter?(ctx: ConnectorContext<C>): Router;
  /** Background ingress started with the gateway role. */
  start?(ctx: ConnectorContext<C>): Promise<RunningIngress>;
}

/**
 * A connector kind as the registry holds it. The gateway hands each hook the context of a config it
 * validated against `config.schema` (app.ts prepareConnectorConfig), which is what makes the one
 * narrowing below sound; no connector needs a cast of its own.
 */
export function defineConnector<C extends ConnectorConfig>(def: ConnectorDefinition<C>): ConnectorPlugin {
  const narrow = (ctx: ConnectorContext): ConnectorContext<C> => ctx as unknown as ConnectorContext<C>;
  const { createRouter, start } = def;
  return {
    kind: def.config.kind,
    channel: def.channel,
    configSchema: def.config.schema,
    secretPaths: def.config.secretPaths,
    mapper: def.mapper,
    ...(createRouter ? { createRouter: (ctx: ConnectorContext) => createRouter(narrow(ctx)) } : {}),
    ...(start ? { start: (ctx: ConnectorContext) => start(narrow(ctx)) } : {}),
  };
}
