import { buildConfig } from '../../config/config.loader.js';
import { LeadgateError } from '../../contracts/errors.js';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(LeadgateError);
    expect((err as LeadgateError).code).toBe('CONFIG_INVALID');
    return (err as LeadgateError).details.problems as string[];
  }
  throw new Error('expected the config to be rejected');
}

describe('config', () => {
  test('an empty config gets the embedded defaults', () => {
    const config = buildConfig({}, {});
    expect(config.bus.kafka).toBeUndefined();
    expect(config.store).toEqual({ dataDir: './data', poolSize: 20 });
    expect(config.server.port).toBe(8080);
    expect(config.normalizer).toMatchObject({ defaultRegion: 'RU', mergeWindowMinutes: 1440 });
    expect(config.router.owners.length).toBeGreaterThan(0);
    expect(config.router.destination.kind).toBe('webhook');
    expect(Object.isFrozen(config.router)).toBe(true);
  });

  test('the example config is valid', () => {
    const example = parse(readFileSync(new URL('../../config/leadgate.example.yaml', import.meta.url), 'utf8'));
    const config = buildConfig(example, {});
    expect(config.connectors.map((c) => c.kind)).toEqual(['forms']);
  });

  test('environment overrides win over the file', () => {
    const config = buildConfig(
      { server: { port: 1 } },
      { LEADGATE_PORT: '9999', LEADGATE_KAFKA_BROKERS: '127.0.0.1:19092, 127.0.0.1:19093', LEADGATE_DATABASE_URL: 'postgres://u@h/db', LEADGATE_CRM_URL: 'http://crm/x' },
    );
    expect(config.server.port).toBe(9999);
    expect(config.bus.kafka?.brokers).toEqual(['127.0.0.1:19092', '127.0.0.1:19093']);
    expect(config.store.url).toBe('postgres://u@h/db');
    expect(config.router.destination.url).toBe('http://crm/x');
  });

  test('${NAME} pulls secrets from the environment and a missing one is an error', () => {
    const input = { router: { owners: [{ id: 'a' }], destination: { kind: 'webhook', url: 'http://crm', token: '${CRM_TOKEN}' } } };
    expect(buildConfig(input, { CRM_TOKEN: 's3cret' }).router.destination.token).toBe('s3cret');
    expect(() => buildConfig(input, {})).toThrow(/CRM_TOKEN is not set/);
  });

  test('bad keys are reported with their path and reason', () => {
    const problems = problemsOf(() =>
      buildConfig({ server: { port: 'eighty', colour: 'red' }, normalizer: { defaultRegion: 'russia' }, connectors: [{ id: 'x', kind: 'fax' }] }, {}),
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        '/server/port: must be integer',
        '/server: unknown key "colour"',
        expect.stringMatching(/^\/normalizer\/defaultRegion: must match pattern/),
        expect.stringMatching(/^\/connectors\/0\/kind: unknown connector kind "fax"/),
      ]),
    );
  });

  test("a connector is checked against its own plugin's schema, and ids are unique", () => {
    const problems = problemsOf(() =>
      buildConfig({ connectors: [{ id: 'site', kind: 'forms', unknownSetting: true }, { id: 'site', kind: 'forms' }] }, {}),
    );
    expect(problems).toEqual(expect.arrayContaining([expect.stringMatching(/^\/connectors\/0: unknown key "unknownSetting"/), '/connectors/1/id: duplicate connector id "site"']));
  });
});

describe('config references and environment', () => {
  const base = { router: { owners: [{ id: 'a' }], destination: { kind: 'webhook', url: 'http://crm' } } };

  test('a lower-case or malformed reference is an error naming the key, not a literal', () => {
    const problems = problemsOf(() => buildConfig({ ...base, admin: { token: '${admin_token}' }, server: { host: '${HOST NAME}' }, bus: { namespace: 'x${OPEN' } }, { admin_token: 'x'.repeat(20) }));
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^\/admin\/token: malformed reference "\$\{admin_token\}".*\$\{ADMIN_TOKEN\}/),
        expect.stringMatching(/^\/server\/host: malformed reference "\$\{HOST NAME\}"/),
        expect.stringMatching(/^\/bus\/namespace: unclosed reference/),
      ]),
    );
  });

  test('every missing variable is reported at once', () => {
    const problems = problemsOf(() => buildConfig({ ...base, admin: { token: '${ADMIN_TOKEN}' }, router: { ...base.router, destination: { ...base.router.destination, token: '${CRM_TOKEN}' } } }, {}));
    expect(problems).toEqual(expect.arrayContaining([expect.stringMatching(/^\/admin\/token: .*ADMIN_TOKEN is not set/), expect.stringMatching(/^\/router\/destination\/token: .*CRM_TOKEN is not set/)]));
  });

  test('${X:-default} falls back when unset or empty; $${ is a literal', () => {
    const input = { ...base, server: { host: '${HOST:-127.0.0.1}' }, bus: { namespace: '${NS:-tenant_a}' }, router: { ...base.router, destination: { ...base.router.destination, token: 'a$${b}' } } };
    const config = buildConfig(input, { NS: '' });
    expect(config.server.host).toBe('127.0.0.1');
    expect(config.bus.namespace).toBe('tenant_a');
    expect(config.router.destination.token).toBe('a${b}');
    expect(buildConfig(input, { HOST: '10.0.0.1' }).server.host).toBe('10.0.0.1');
  });

  test('*_FILE secrets: for references and for the overrides, one trailing newline dropped', () => {
    const dir = mkdtempSync(join(tmpdir(), 'leadgate-secret-'));
    writeFileSync(join(dir, 'admin'), 'admin-token-from-a-file-0123\n');
    writeFileSync(join(dir, 'crm'), 'crm-token');
    const config = buildConfig({ ...base, router: { ...base.router, destination: { ...base.router.destination, token: '${CRM_TOKEN}' } } }, { LEADGATE_ADMIN_TOKEN_FILE: join(dir, 'admin'), CRM_TOKEN_FILE: join(dir, 'crm') });
    expect(config.admin.token).toBe('admin-token-from-a-file-0123');
    expect(config.router.destination.token).toBe('crm-token');
    expect(problemsOf(() => buildConfig(base, { LEADGATE_ADMIN_TOKEN_FILE: join(dir, 'missing') }))).toEqual([expect.stringMatching(/^LEADGATE_ADMIN_TOKEN_FILE=.*missing: cannot read the file \(ENOENT\)/)]);
  });

  test('a bad override is one error naming the variable; secrets are not echoed', () => {
    expect(problemsOf(() => buildConfig(base, { LEADGATE_PORT: 'abc' }))).toEqual(['LEADGATE_PORT="abc" (server.port): must be integer']);
    expect(problemsOf(() => buildConfig(base, { LEADGATE_PORT: '70000' }))).toEqual(['LEADGATE_PORT="70000" (server.port): must be <= 65535']);
    const problems = problemsOf(() => buildConfig(base, { LEADGATE_ADMIN_TOKEN: 'short' }));
    expect(problems).toEqual([expect.stringMatching(/^LEADGATE_ADMIN_TOKEN \(admin\.token\): must NOT have fewer than 16 characters/)]);
    expect(problems.join()).not.toContain('short"');
  });

  test('operator tokens come from env interpolation, need 16 characters, and must differ from the admin token and each other', () => {
    const admin = { token: 'admin-token-0123456789' };
    const ok = buildConfig({ admin: { ...admin, operators: [{ ownerId: 'anna', token: '${ANNA_TOKEN}' }] } }, { ANNA_TOKEN: 'anna-operator-token-0123' });
    expect(ok.admin.operators).toEqual([{ ownerId: 'anna', token: 'anna-operator-token-0123' }]);
    expect(buildConfig({}, {}).admin.operators).toEqual([]);
    expect(problemsOf(() => buildConfig({ admin: { ...admin, operators: [{ ownerId: 'anna', token: 'short' }] } }, {})).join()).toMatch(/operators\/0\/token.*fewer than 16/);
    expect(problemsOf(() => buildConfig({ admin: { ...admin, operators: [{ ownerId: 'anna', token: admin.token }] } }, {}))).toEqual(['/admin/operators/0/token: must differ from the admin token and from every other operator token']);
    const twice = { ownerId: 'anna', token: 'same-operator-token-0123' };
    expect(problemsOf(() => buildConfig({ admin: { ...admin, operators: [twice, { ...twice, ownerId: 'boris' }] } }, {}))).toEqual(['/admin/operators/1/token: must differ from the admin token and from every other operator token']);
    expect(problemsOf(() => buildConfig({ admin: { operators: [{ token: 'no-owner-token-0123456' }] } }, {})).join()).toContain('ownerId');
  });
});
