import { createHmac } from 'node:crypto';
import { Topics } from '../../contracts/topics.js';
import { connectorPlugins } from '../../connectors/registry.js';
import type { ConnectorPlugin } from '../../connectors/connector.port.js';
import { acmeConnector } from '../fixtures/example-channel/acme.connector.js';
import { buildTestGateway, sendHook } from '../support/connector-conformance.js';

/**
 * "One folder + one registry line": the example kind is added to a copy of the registry (the one line)
 * and reached by its kind, as bin/ reaches every kind, then a signed lead goes through its real ingress.
 */
const registry: ReadonlyMap<string, ConnectorPlugin> = new Map([...connectorPlugins, [acmeConnector.kind, acmeConnector]]);
const secret = 'acme-signing-key-0123456789';

describe('an example channel added through the registry only', () => {
  const plugin = registry.get('acme');
  if (!plugin) throw new Error('acme not registered');
  const gw = buildTestGateway([{ plugin, config: { id: 'acme-site', kind: 'acme', hmacSecret: secret } }]);
  const body = JSON.stringify({ id: 'a-1', phone: '+79161234567', name: 'Анна' });
  const sign = (b: string, key = secret) => `sha256=${createHmac('sha256', key).update(b).digest('hex')}`;

  it('publishes a signed lead and maps it', async () => {
    const res = await sendHook(gw.app, 'acme-site', { headers: { 'Content-Type': 'application/json', 'X-Acme-Signature': sign(body) }, body });
    expect(res.status).toBe(202);
    const published = gw.bus.on(Topics.raw);
    expect(published).toHaveLength(1);
    const raw = published[0]?.value as { payload: Record<string, unknown>; connector: { kind: string } };
    expect(raw.connector.kind).toBe('acme');
    expect(plugin.mapper({ payload: raw.payload } as never)).toMatchObject({ kind: 'lead', contact: { phones: ['+79161234567'], name: 'Анна' } });
  });

  it('refuses a bad signature and an invalid config', async () => {
    const res = await sendHook(gw.app, 'acme-site', { headers: { 'Content-Type': 'application/json', 'X-Acme-Signature': sign(body, 'another-key-0123456789') }, body });
    expect(res.status).toBe(401);
    expect(() => buildTestGateway([{ plugin, config: { id: 'acme-bad', kind: 'acme' } }])).toThrow(/hmacSecret/);
  });
});
