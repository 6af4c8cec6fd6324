import { connectorPlugins } from '../../connectors/registry.js';
import { buildTestGateway, sendHook } from '../support/connector-conformance.js';

/**
 * `server.bodyLimitBytes` reaches every webhook ingress through `ctx.bodyLimitBytes`: a body over the
 * limit, sent with the credentials each kind checks before reading, is answered 413. The list of kinds is
 * the registry's; a webhook kind added without a case here fails the first test.
 */
const LIMIT = 2048;
const token = 'body-limit-token-0123456789';

interface LimitCase {
  config: { kind: string; [setting: string]: unknown };
  path?: string;
  headers?: Record<string, string>;
  query?: Record<string, string>;
  contentType: string;
}

const cases: Record<string, LimitCase> = {
  forms: { config: { kind: 'forms', secret: token }, headers: { 'X-Leadgate-Token': token }, contentType: 'application/x-www-form-urlencoded' },
  telegram: { config: { kind: 'telegram', botToken: '123456:ABCdef', publicUrl: 'https://leads.example.com', secretToken: token }, headers: { 'X-Telegram-Bot-Api-Secret-Token': token }, contentType: 'application/json' },
  whatsapp: { config: { kind: 'whatsapp', verifyToken: token, appSecret: token, phoneNumberId: '1234567' }, contentType: 'application/json' },
  mango: { config: { kind: 'mango', apiKey: token, apiSalt: token }, path: '/events/call', contentType: 'application/x-www-form-urlencoded' },
  zadarma: { config: { kind: 'zadarma', apiSecret: token }, contentType: 'application/x-www-form-urlencoded' },
  sipuni: { config: { kind: 'sipuni', secret: token }, query: { token }, contentType: 'application/x-www-form-urlencoded' },
  'call-webhook': { config: { kind: 'call-webhook', secret: token }, headers: { 'X-Leadgate-Token': token }, contentType: 'application/json' },
};

const webhookKinds = [...connectorPlugins.values()].filter((p) => p.createRouter).map((p) => p.kind);

describe('webhook body limit', () => {
  it('has a case for every registered webhook kind', () => {
    expect(webhookKinds.filter((kind) => !cases[kind])).toEqual([]);
  });

  it.each(webhookKinds)('%s answers 413 to a body over server.bodyLimitBytes', async (kind) => {
    const c = cases[kind];
    if (!c) throw new Error(`no body-limit case for ${kind}`);
    const plugin = connectorPlugins.get(kind);
    if (!plugin) throw new Error(`${kind} not registered`);
    const id = `limit-${kind}`;
    const gw = buildTestGateway([{ plugin, config: { id, ...c.config } }], { bodyLimitBytes: LIMIT });
    const body = c.contentType === 'application/json' ? JSON.stringify({ pad: 'x'.repeat(LIMIT) }) : `pad=${'x'.repeat(LIMIT)}`;
    const res = await sendHook(gw.app, id, { ...(c.path ? { path: c.path } : {}), headers: { 'Content-Type': c.contentType, ...c.headers }, ...(c.query ? { query: c.query } : {}), body });
    expect(res.status).toBe(413);
    // Under the limit the same request is not refused for its size.
    const small = await sendHook(gw.app, id, { ...(c.path ? { path: c.path } : {}), headers: { 'Content-Type': c.contentType, ...c.headers }, ...(c.query ? { query: c.query } : {}), body: c.contentType === 'application/json' ? '{}' : 'a=1' });
    expect(small.status).not.toBe(413);
  });
});
