import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { LeadgateError } from '../contracts/errors.js';
import { connectorPlugins } from '../connectors/registry.js';
import { describeErrors, compile } from '../platform/validation.js';
import { configSchema } from './config.schema.js';
import type { LeadgateConfig } from './config.types.js';

type Json = Record<string, unknown>;
type Env = Record<string, string | undefined>;

/** `${NAME}` in any string value is replaced by the environment variable, so secrets stay out of the file. */
function interpolate(value: unknown, env: Env, path: string): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$\{([A-Z0-9_]+)\}/g, (_m, name: string) => {
      const v = env[name];
      if (v === undefined) throw new LeadgateError('CONFIG_INVALID', `${path}: environment variable ${name} is not set`);
      return v;
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => interpolate(v, env, `${path}/${i}`));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolate(v, env, `${path}/${k}`)]));
  }
  return value;
}

function section(raw: Json, name: string): Json {
  const existing = raw[name];
  if (existing && typeof existing === 'object' && !Array.isArray(existing)) return existing as Json;
  const created: Json = {};
  raw[name] = created;
  return created;
}

/** The documented environment overrides; they win over the file. */
function applyEnv(raw: Json, env: Env): void {
  if (env.LEADGATE_PORT) section(raw, 'server').port = Number(env.LEADGATE_PORT);
  if (env.LEADGATE_HOST) section(raw, 'server').host = env.LEADGATE_HOST;
  if (env.LEADGATE_KAFKA_BROKERS) {
    const kafka = section(section(raw, 'bus'), 'kafka');
    kafka.brokers = env.LEADGATE_KAFKA_BROKERS.split(',').map((b) => b.trim()).filter(Boolean);
  }
  if (env.LEADGATE_ADMIN_TOKEN) section(raw, 'admin').token = env.LEADGATE_ADMIN_TOKEN;
  if (env.LEADGATE_BUS_NAMESPACE) section(raw, 'bus').namespace = env.LEADGATE_BUS_NAMESPACE;
  if (env.LEADGATE_DATABASE_URL) section(raw, 'store').url = env.LEADGATE_DATABASE_URL;
  if (env.LEADGATE_DATA_DIR) section(raw, 'store').dataDir = env.LEADGATE_DATA_DIR;
  if (env.LEADGATE_DEFAULT_REGION) section(raw, 'normalizer').defaultRegion = env.LEADGATE_DEFAULT_REGION;
  if (env.LEADGATE_CRM_URL || env.LEADGATE_CRM_TOKEN || env.LEADGATE_CRM_HMAC_SECRET) {
    const router = section(raw, 'router');
    const destination = section(router, 'destination');
    destination.kind ??= 'webhook';
    if (env.LEADGATE_CRM_URL) destination.url = env.LEADGATE_CRM_URL;
    if (env.LEADGATE_CRM_TOKEN) destination.token = env.LEADGATE_CRM_TOKEN;
    if (env.LEADGATE_CRM_HMAC_SECRET) destination.hmacSecret = env.LEADGATE_CRM_HMAC_SECRET;
  }
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/**
 * Validates a parsed config object (defaults filled in place), each connector against its plugin's
 * schema, and freezes the result. Errors name the path of the bad key and why.
 */
export function buildConfig(input: unknown, env: Env = process.env): LeadgateConfig {
  const raw = (interpolate(input ?? {}, env, '') ?? {}) as Json;
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new LeadgateError('CONFIG_INVALID', 'config: the top level must be a mapping');
  raw.connectors ??= [];
  applyEnv(raw, env);
  const validate = compile<LeadgateConfig>(configSchema);
  const problems = validate(raw) ? [] : describeErrors(validate.errors);
  const config = raw as unknown as LeadgateConfig;
  const ids = new Set<string>();
  (config.connectors ?? []).forEach((connector, i) => {
    if (!connector || typeof connector !== 'object') return;
    const plugin = connectorPlugins.get(connector.kind);
    if (!plugin) {
      problems.push(`/connectors/${i}/kind: unknown connector kind "${connector.kind}" (known: ${[...connectorPlugins.keys()].join(', ')})`);
      return;
    }
    if (ids.has(connector.id)) problems.push(`/connectors/${i}/id: duplicate connector id "${connector.id}"`);
    ids.add(connector.id);
    const check = compile(plugin.configSchema);
    if (!check(connector)) problems.push(...describeErrors(check.errors, `/connectors/${i}`));
  });
  if (problems.length > 0) {
    throw new LeadgateError('CONFIG_INVALID', `invalid configuration:\n  ${problems.join('\n  ')}`, { details: { problems } });
  }
  return deepFreeze(config);
}

export function loadConfig(path: string | undefined, env: Env = process.env): LeadgateConfig {
  let parsed: unknown = {};
  if (path) {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      throw new LeadgateError('CONFIG_INVALID', `cannot read config file ${path}: ${(err as Error).message}`, { cause: err });
    }
    try {
      parsed = parse(text) ?? {};
    } catch (err) {
      throw new LeadgateError('CONFIG_INVALID', `${path} is not valid YAML: ${(err as Error).message}`, { cause: err });
    }
  }
  return buildConfig(parsed, env);
}
