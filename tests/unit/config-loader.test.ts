import { buildConfig } from '../../config/config.loader.js';
import { LeadgateError } from '../../contracts/errors.js';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

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
