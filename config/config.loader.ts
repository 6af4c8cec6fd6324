import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { LeadgateError } from '../contracts/errors.js';
import { connectorPlugins } from '../connectors/registry.js';
import { describeErrors, compile } from '../platform/validation.js';
import { configSchema } from './config.schema.js';
import type { LeadgateConfig } from './config.types.js';
import { applyEnvOverrides, attributeToEnv } from './config.env.js';
import { interpolate, type Env } from './config.interpolation.js';

type Json = Record<string, unknown>;

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
  const problems: string[] = [];
  const raw = (interpolate(input ?? {}, env, '', problems) ?? {}) as Json;
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new LeadgateError('CONFIG_INVALID', 'config: the top level must be a mapping');
  raw.connectors ??= [];
  const applied = applyEnvOverrides(raw, env, problems);
  const validate = compile<LeadgateConfig>(configSchema);
  if (!validate(raw)) problems.push(...describeErrors(validate.errors).map((p) => attributeToEnv(p, applied, env)));
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
  problems.push(...operatorTokenProblems(config));
  if (problems.length > 0) {
    throw new LeadgateError('CONFIG_INVALID', `invalid configuration:\n  ${problems.join('\n  ')}`, { details: { problems } });
  }
  return deepFreeze(config);
}

/** An operator token equal to the admin token (or to another owner's) would grant more than its owner's read-only view. */
function operatorTokenProblems(config: LeadgateConfig): string[] {
  const operators = Array.isArray(config.admin?.operators) ? config.admin.operators : [];
  const seen = new Set<string>(config.admin?.token ? [config.admin.token] : []);
  const problems: string[] = [];
  operators.forEach((operator, i) => {
    if (typeof operator?.token !== 'string') return;
    if (seen.has(operator.token)) problems.push(`/admin/operators/${i}/token: must differ from the admin token and from every other operator token`);
    seen.add(operator.token);
  });
  return problems;
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
