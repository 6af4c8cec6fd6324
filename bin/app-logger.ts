import type pino from 'pino';
import { connectorPlugins } from '../connectors/registry.js';
import { destinationSecretPaths } from '../router/destinations/destination.registry.js';
import { createLogger, type Logger } from '../platform/telemetry/logger.js';

/**
 * The last key of every secret path the registries declare (`autoReply.token` → `token`,
 * `bitrix24.webhookUrl` → `webhookUrl`): the logger redacts by key name at any depth, so a config or an
 * error that carries a plugin's credential is censored wherever it sits in the logged object.
 */
export function pluginSecretKeys(): string[] {
  const paths = [...[...connectorPlugins.values()].flatMap((p) => p.secretPaths ?? []), ...destinationSecretPaths()];
  return [...new Set(paths.map((path) => path.split('.').pop() as string))];
}

/** The process logger of every command: `createLogger` with the plugins' secrets redacted. */
export function createAppLogger(level?: string, destination?: pino.DestinationStream): Logger {
  return createLogger(level, destination, { secretKeys: pluginSecretKeys() });
}
