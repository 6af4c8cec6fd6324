import { readFileSync } from 'node:fs';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { parse } from 'yaml';
import { buildConfig } from '../../config/config.loader.js';

/**
 * deploy/compose.yaml against the Compose Specification's JSON Schema (vendored in deploy/schema), and the
 * properties that keep data and recover by themselves: state on named volumes, Kafka's log dirs on its
 * volume, healthchecks, healthy dependencies, restart policies, config and secrets mounted.
 */
interface Service {
  image?: string;
  build?: unknown;
  command?: string[];
  environment?: Record<string, string | number>;
  volumes?: string[];
  healthcheck?: { test: string[]; interval?: string };
  depends_on?: Record<string, { condition: string }>;
  restart?: string;
  configs?: { source: string; target: string }[];
  secrets?: string[];
}
interface Compose {
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
  configs: Record<string, { file: string }>;
  secrets: Record<string, { file: string }>;
}

const file = new URL('../../deploy/compose.yaml', import.meta.url);
const compose = parse(readFileSync(file, 'utf8'), { merge: true }) as Compose;
const roles = ['gateway', 'normalizer', 'router'];

/** `name:/path` mounts of a service's named volumes. */
const namedMounts = (s: Service): { volume: string; target: string }[] =>
  (s.volumes ?? []).map((v) => v.split(':')).filter(([src]) => !src?.startsWith('.') && !src?.startsWith('/')).map(([volume, target]) => ({ volume: volume as string, target: target as string }));

/** Drops the draft-04 `id` keyword (a string beside schema keywords); property *names* `id` are kept. */
function withoutLegacyIds(node: unknown, underProperties = false): unknown {
  if (Array.isArray(node)) return node.map((n) => withoutLegacyIds(n));
  if (!node || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.entries(node as Record<string, unknown>)
      .filter(([k, v]) => underProperties || k !== 'id' || typeof v !== 'string')
      .map(([k, v]) => [k, withoutLegacyIds(v, !underProperties && (k === 'properties' || k === 'patternProperties' || k === 'definitions'))]),
  );
}

describe('deploy/compose.yaml', () => {
  test('validates against the Compose Specification schema', () => {
    // Its `$schema` spells the 2019-09 meta-schema with http and a trailing '#', which ajv does not register, and names itself with the pre-2019 `id`.
    const { $schema: _meta, ...schema } = withoutLegacyIds(JSON.parse(readFileSync(new URL('../../deploy/schema/compose-spec.json', import.meta.url), 'utf8'))) as Record<string, unknown>;
    const ajv = new Ajv2019({ strict: false, allErrors: true });
    ajv.addFormat('duration', /^([0-9]+(\.[0-9]+)?(ns|us|ms|s|m|h))+$/);
    ajv.addFormat('ports', true);
    ajv.addFormat('expose', true);
    const validate = ajv.compile(schema);
    validate(compose);
    expect(validate.errors ?? []).toEqual([]);
  });

  test("Kafka writes its log dirs onto its volume, PostgreSQL its data directory onto another", () => {
    const kafka = compose.services.kafka as Service;
    const logDirs = String(kafka.environment?.KAFKA_LOG_DIRS ?? '');
    expect(logDirs).not.toBe('');
    const kafkaMounts = namedMounts(kafka);
    for (const dir of logDirs.split(',')) expect(kafkaMounts.some((m) => dir === m.target || dir.startsWith(`${m.target}/`))).toBe(true);
    expect(kafka.environment?.CLUSTER_ID).toBeTruthy();
    const pg = compose.services.postgres as Service;
    const pgData = String(pg.environment?.PGDATA ?? '/var/lib/postgresql/data');
    expect(namedMounts(pg).some((m) => pgData === m.target || pgData.startsWith(`${m.target}/`))).toBe(true);
    // The gateway's spool (webhooks accepted while Kafka is down) is on a volume too.
    const spoolDir = (parse(readFileSync(new URL('../../deploy/leadgate.yaml', import.meta.url), 'utf8')) as { bus: { spool: { dataDir: string } } }).bus.spool.dataDir;
    expect(namedMounts(compose.services.gateway as Service).some((m) => spoolDir.startsWith(`${m.target}/`))).toBe(true);
    // Every named volume used is declared (not an anonymous one that `down` discards).
    for (const s of Object.values(compose.services)) for (const m of namedMounts(s)) expect(Object.keys(compose.volumes)).toContain(m.volume);
  });

  test('every service has a healthcheck and a restart policy; roles wait for healthy Kafka and PostgreSQL', () => {
    for (const [name, s] of Object.entries(compose.services)) {
      expect({ name, healthcheck: Array.isArray(s.healthcheck?.test) && s.healthcheck.test.length > 1 }).toEqual({ name, healthcheck: true });
      expect({ name, restart: s.restart }).toEqual({ name, restart: expect.stringMatching(/^(always|unless-stopped|on-failure)/) });
    }
    for (const role of roles) {
      const s = compose.services[role] as Service;
      expect(s.depends_on).toEqual({ kafka: { condition: 'service_healthy' }, postgres: { condition: 'service_healthy' } });
      expect(s.command).toEqual(['start', '--role', role]);
    }
  });

  test('config and secrets are mounted, the admin token is set, and the mounted config is valid', () => {
    for (const role of roles) {
      const s = compose.services[role] as Service;
      const env = s.environment ?? {};
      const target = s.configs?.find((c) => c.source === 'leadgate_config')?.target;
      expect(env.LEADGATE_CONFIG).toBe(target);
      expect(compose.configs.leadgate_config?.file).toBe('./leadgate.yaml');
      expect(env.LEADGATE_ADMIN_TOKEN_FILE).toBe('/run/secrets/admin_token');
      for (const [name, value] of Object.entries(env)) {
        if (!name.endsWith('_FILE')) continue;
        const secret = String(value).replace('/run/secrets/', '');
        expect(s.secrets).toContain(secret);
        expect(compose.secrets[secret]?.file).toMatch(/^\.\/secrets\//);
      }
    }
    expect(compose.services.postgres?.environment?.POSTGRES_PASSWORD_FILE).toBe('/run/secrets/postgres_password');
    // The file the containers read, with the environment compose gives them (secrets as literal values).
    const input = parse(readFileSync(new URL('../../deploy/leadgate.yaml', import.meta.url), 'utf8')) as unknown;
    const config = buildConfig(input, { LEADGATE_KAFKA_BROKERS: 'kafka:9092', LEADGATE_DATABASE_URL: 'postgres://leadgate:pw@postgres:5432/leadgate', LEADGATE_ADMIN_TOKEN: 'a'.repeat(32) });
    expect(config.bus.kafka?.brokers).toEqual(['kafka:9092']);
    expect(config.metrics.port).toBe(9464);
    expect(config.admin.token).toBe('a'.repeat(32));
  });
});
