import { readVariable, type Env } from './config.interpolation.js';

type Json = Record<string, unknown>;

/** One documented environment override: the variable, the config key it sets, and how its text is read. */
export interface EnvOverride {
  name: string;
  /** JSON pointer of the key it sets, e.g. `/server/port`. */
  path: string;
  kind: 'string' | 'integer' | 'list';
  /** Secrets are never echoed in error messages. */
  secret?: boolean;
  summary: string;
}

/**
 * Every environment override; each also accepts `<NAME>_FILE` (a file holding the value). The loader,
 * the error messages and the generated config reference all read this one table.
 */
export const envOverrides: readonly EnvOverride[] = [
  { name: 'LEADGATE_PORT', path: '/server/port', kind: 'integer', summary: 'gateway port' },
  { name: 'LEADGATE_HOST', path: '/server/host', kind: 'string', summary: 'gateway address' },
  { name: 'LEADGATE_KAFKA_BROKERS', path: '/bus/kafka/brokers', kind: 'list', summary: 'comma list of brokers; switches the bus to Kafka' },
  { name: 'LEADGATE_BUS_NAMESPACE', path: '/bus/namespace', kind: 'string', summary: 'topic and group prefix' },
  { name: 'LEADGATE_ADMIN_TOKEN', path: '/admin/token', kind: 'string', secret: true, summary: 'admin API and live stream bearer token' },
  { name: 'LEADGATE_METRICS_TOKEN', path: '/metrics/token', kind: 'string', secret: true, summary: 'bearer token required on /metrics' },
  { name: 'LEADGATE_METRICS_PORT', path: '/metrics/port', kind: 'integer', summary: 'serve /metrics on this port instead of the gateway port' },
  { name: 'LEADGATE_DATABASE_URL', path: '/store/url', kind: 'string', secret: true, summary: 'PostgreSQL URL; switches the store to PostgreSQL' },
  { name: 'LEADGATE_DATA_DIR', path: '/store/dataDir', kind: 'string', summary: 'PGlite directory of the embedded store' },
  { name: 'LEADGATE_DEFAULT_REGION', path: '/normalizer/defaultRegion', kind: 'string', summary: 'region for phones without a country code' },
  { name: 'LEADGATE_CRM_URL', path: '/router/destination/url', kind: 'string', summary: 'webhook destination URL (sets kind webhook when absent)' },
  { name: 'LEADGATE_CRM_TOKEN', path: '/router/destination/token', kind: 'string', secret: true, summary: 'webhook destination bearer token' },
  { name: 'LEADGATE_CRM_HMAC_SECRET', path: '/router/destination/hmacSecret', kind: 'string', secret: true, summary: 'legacy X-Leadgate-Signature secret' },
  { name: 'LEADGATE_CRM_WEBHOOK_SECRET', path: '/router/destination/webhookSecret', kind: 'string', secret: true, summary: 'Standard Webhooks signing secret (`whsec_…`)' },
];

function parse(override: EnvOverride, text: string): unknown {
  if (override.kind === 'list') return text.split(',').map((b) => b.trim()).filter(Boolean);
  // Anything but plain digits stays a string, so the schema reports one clear "must be integer".
  if (override.kind === 'integer') return /^\d+$/.test(text.trim()) ? Number(text.trim()) : text;
  return text;
}

function setAt(raw: Json, path: string, value: unknown): void {
  const keys = path.split('/').slice(1);
  let node = raw;
  for (const key of keys.slice(0, -1)) {
    const next = node[key];
    if (!next || typeof next !== 'object' || Array.isArray(next)) node[key] = {};
    node = node[key] as Json;
  }
  node[keys[keys.length - 1] as string] = value;
}

/** The overrides present in `env`, applied in place; returns them for error attribution. */
export function applyEnvOverrides(raw: Json, env: Env, problems: string[]): EnvOverride[] {
  const applied: EnvOverride[] = [];
  for (const override of envOverrides) {
    let text: string | undefined;
    try {
      text = readVariable(env, override.name);
    } catch (err) {
      problems.push((err as Error).message);
      continue;
    }
    if (text === undefined || text === '') continue;
    setAt(raw, override.path, parse(override, text));
    applied.push(override);
  }
  const destination = applied.some((o) => o.path.startsWith('/router/destination/'));
  if (destination) {
    const router = raw.router as Json;
    const dest = router.destination as Json;
    dest.kind ??= 'webhook';
  }
  return applied;
}

/** `/server/port: must be integer` → `LEADGATE_PORT="abc" (server.port): must be integer` when the env set it. */
export function attributeToEnv(problem: string, applied: readonly EnvOverride[], env: Env): string {
  for (const override of applied) {
    if (problem.startsWith(`${override.path}:`) || problem.startsWith(`${override.path}/`)) {
      const shown = override.secret ? '' : `="${readVariable(env, override.name) ?? ''}"`;
      return `${override.name}${shown} (${override.path.slice(1).replace(/\//g, '.')})${problem.slice(override.path.length)}`;
    }
  }
  return problem;
}
