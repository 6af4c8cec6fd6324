import { createAppLogger, pluginSecretKeys } from '../../bin/app-logger.js';
import { connectorPlugins } from '../../connectors/registry.js';
import { destinationSecretPaths } from '../../router/destinations/destination.registry.js';

function logged(value: Record<string, unknown>): string {
  const lines: string[] = [];
  createAppLogger('info', { write: (line: string) => void lines.push(line) }).warn(value, 'config echoed');
  return lines.join('');
}

describe('process logger redacts the secrets the plugin registries declare', () => {
  test('every declared secret path of every connector and destination kind is censored at any depth', () => {
    const paths = [...[...connectorPlugins.values()].flatMap((p) => p.secretPaths ?? []), ...destinationSecretPaths()];
    // The registries must declare some, or this test would pass on nothing.
    expect(paths.length).toBeGreaterThan(5);
    for (const path of paths) {
      const value = `credential-${path}-0123456789abcdef`;
      const nested = path.split('.').reduceRight<unknown>((inner, key) => ({ [key]: inner }), value) as Record<string, unknown>;
      const out = logged({ config: { connectors: [nested] } });
      expect(out).not.toContain(value);
      expect(out).toContain('[redacted]');
    }
  });

  test('the keys come from the registries (Bitrix24 webhook URL, Standard Webhooks secret), not only the built-in names', () => {
    const keys = pluginSecretKeys();
    expect(keys).toEqual(expect.arrayContaining(['webhookUrl', 'hmacSecret', 'botToken', 'appSecret']));
    const out = logged({ destination: { bitrix24: { webhookUrl: 'https://x.bitrix24.ru/rest/1/abcdefsecretpath/' } } });
    expect(out).not.toContain('abcdefsecretpath');
  });

  test('ordinary fields are untouched', () => {
    expect(logged({ destination: { kind: 'bitrix24', timeoutMs: 5000 } })).toContain('"timeoutMs":5000');
  });
});
