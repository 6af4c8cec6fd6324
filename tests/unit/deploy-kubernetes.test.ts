import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { buildConfig } from '../../config/config.loader.js';

/**
 * The Kustomize base, parsed as kubectl would read it: every resource listed exists and parses, each role
 * runs with readiness on /ready and liveness on /health against a declared port, config and secrets are
 * mounted where the environment says, and the mounted config is the compose one and valid.
 */
const base = new URL('../../deploy/kubernetes/base/', import.meta.url);
const read = (name: string): string => readFileSync(new URL(name, base), 'utf8');

interface Container {
  args: string[];
  env: { name: string; value: string }[];
  ports: { name: string; containerPort: number }[];
  readinessProbe: { httpGet: { path: string; port: string } };
  livenessProbe: { httpGet: { path: string; port: string } };
  volumeMounts: { name: string; mountPath: string }[];
}
interface Deployment {
  kind: string;
  metadata: { name: string };
  spec: { selector: { matchLabels: Record<string, string> }; template: { metadata: { labels: Record<string, string> }; spec: { containers: Container[]; volumes: { name: string; configMap?: { name: string }; secret?: { secretName: string } }[] } } };
}

const kustomization = parseAllDocuments(read('kustomization.yaml'))[0]?.toJS() as { resources: string[]; configMapGenerator: { name: string; files: string[] }[] };
const parsed = kustomization.resources.flatMap((file) => parseAllDocuments(read(file)));
const docs = parsed.map((d) => d.toJS() as Deployment);

describe('deploy/kubernetes/base', () => {
  test('every listed resource parses', () => {
    expect(parsed.flatMap((d) => d.errors)).toEqual([]);
    expect(docs.map((d) => d.kind).sort()).toEqual(['Deployment', 'Deployment', 'Deployment', 'Service']);
  });

  test.each(['gateway', 'normalizer', 'router'])('the %s Deployment probes /ready and /health and mounts config and secrets', (role) => {
    const deployment = docs.find((d) => d.kind === 'Deployment' && d.metadata.name === `leadgate-${role}`) as Deployment;
    expect(deployment).toBeDefined();
    expect(deployment.spec.template.metadata.labels).toMatchObject(deployment.spec.selector.matchLabels);
    const [container] = deployment.spec.template.spec.containers as [Container];
    expect(container.args).toEqual(['start', '--role', role]);
    expect(container.readinessProbe.httpGet.path).toBe('/ready');
    expect(container.livenessProbe.httpGet.path).toBe('/health');
    for (const probe of [container.readinessProbe, container.livenessProbe]) expect(container.ports.find((p) => p.name === probe.httpGet.port)?.containerPort).toBe(8080);
    const env = Object.fromEntries(container.env.map((e) => [e.name, e.value]));
    const mounts = Object.fromEntries(container.volumeMounts.map((m) => [m.name, m.mountPath]));
    const volumes = deployment.spec.template.spec.volumes;
    expect(env.LEADGATE_CONFIG).toBe(`${mounts.config}/leadgate.yaml`);
    expect(volumes.find((v) => v.name === 'config')?.configMap?.name).toBe(kustomization.configMapGenerator[0]?.name);
    for (const [name, value] of Object.entries(env)) if (name.endsWith('_FILE')) expect(value.startsWith(`${mounts.secrets}/`)).toBe(true);
    expect(env.LEADGATE_ADMIN_TOKEN_FILE).toBeDefined();
    expect(volumes.find((v) => v.name === 'secrets')?.secret?.secretName).toBe('leadgate-secrets');
  });

  test('the gateway Service targets the gateway pods; the mounted config equals the compose one and is valid', () => {
    const service = docs.find((d) => d.kind === 'Service') as unknown as { spec: { selector: Record<string, string> } };
    expect(service.spec.selector).toEqual({ 'app.kubernetes.io/name': 'leadgate', 'app.kubernetes.io/component': 'gateway' });
    const [file] = kustomization.configMapGenerator[0]?.files ?? [];
    const text = read(String(file).split(/\s/)[0] as string);
    expect(text).toBe(readFileSync(new URL('../../deploy/leadgate.yaml', import.meta.url), 'utf8'));
    const config = buildConfig(parseAllDocuments(text)[0]?.toJS(), { LEADGATE_DATABASE_URL: 'postgres://u:p@db/leadgate' });
    expect(config.bus.kafka?.brokers).toEqual(['kafka:9092']);
  });
});
