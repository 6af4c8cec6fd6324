import { connectorPlugins } from '../../connectors/registry.js';
import { buildTestGateway, sendHook } from '../support/connector-conformance.js';
import { bodyLimitCases as cases, paddedBody, webhookKinds } from '../support/webhook-limit-cases.js';

/**
 * `server.bodyLimitBytes` reaches every webhook ingress through `ctx.bodyLimitBytes`: a body over the
 * limit, sent with the credentials each kind checks before reading, is answered 413. The list of kinds is
 * the registry's; a webhook kind added without a case here fails the first test.
 */
const LIMIT = 2048;

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
    const body = paddedBody(c, LIMIT);
    const res = await sendHook(gw.app, id, { ...(c.path ? { path: c.path } : {}), headers: { 'Content-Type': c.contentType, ...c.headers }, ...(c.query ? { query: c.query } : {}), body });
    expect(res.status).toBe(413);
    // Under the limit the same request is not refused for its size.
    const small = await sendHook(gw.app, id, { ...(c.path ? { path: c.path } : {}), headers: { 'Content-Type': c.contentType, ...c.headers }, ...(c.query ? { query: c.query } : {}), body: c.contentType === 'application/json' ? '{}' : 'a=1' });
    expect(small.status).not.toBe(413);
  });
});
