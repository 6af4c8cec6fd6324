import request from 'supertest';
import type { ConnectorPlugin, RunningIngress } from '../../connectors/connector.port.js';
import { LeadgateError } from '../../contracts/errors.js';
import { createGatewayApp } from '../../gateway/app.js';
import { formsConnector } from '../../connectors/forms/forms.connector.js';
import { connectorPlugins } from '../../connectors/registry.js';
import { buildTestGateway, sendHook } from '../support/connector-conformance.js';

const forms = formsConnector;

/** A background connector whose health the test controls, counting its starts and stops. */
function pollerPlugin(state: { healthy: boolean; starts: number; stops: number }): ConnectorPlugin {
  return {
    kind: 'poller',
    channel: 'email',
    configSchema: { type: 'object', required: ['id', 'kind'], properties: { id: { type: 'string' }, kind: { const: 'poller' } } },
    mapper: () => ({ kind: 'ignore', reason: 'test' }),
    async start(): Promise<RunningIngress> {
      state.starts++;
      return {
        health: () => (state.healthy ? { healthy: true } : { healthy: false, reason: 'auth failed 3 times' }),
        stop: async () => {
          state.stops++;
        },
      };
    },
  };
}

describe('gateway health, readiness and metrics', () => {
  it('GET /health is 200 even when the bus is down', async () => {
    const gw = buildTestGateway([]);
    gw.bus.fail();
    const res = await request(gw.app).get('/health');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  it('GET /ready is 200 when bus and store are ready, 503 naming the failing part otherwise', async () => {
    const gw = buildTestGateway([]);
    expect((await request(gw.app).get('/ready')).status).toBe(200);
    gw.bus.fail();
    const busDown = await request(gw.app).get('/ready');
    expect(busDown.status).toBe(503);
    expect(busDown.body.failing).toEqual(['bus']);
    gw.bus.recover();
    gw.store.healthy = false;
    const storeDown = await request(gw.app).get('/ready');
    expect(storeDown.status).toBe(503);
    expect(storeDown.body.failing).toEqual(['store']);
  });

  it('GET /ready is 503 shutting_down once draining, even with bus and store ready', async () => {
    let draining = false;
    const gw = buildTestGateway([], { draining: () => draining });
    expect((await request(gw.app).get('/ready')).status).toBe(200);
    draining = true;
    const res = await request(gw.app).get('/ready');
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ status: 'shutting_down', failing: ['shutting_down'] });
  });

  it('GET /ready treats a hung bus probe as not ready', async () => {
    const gw = buildTestGateway([], { readyProbeTimeoutMs: 50 });
    gw.bus.ready = () => new Promise<boolean>(() => {});
    const res = await request(gw.app).get('/ready');
    expect(res.status).toBe(503);
    expect(res.body.checks.bus.reason).toMatch(/no answer/);
  });

  it('GET /ready reports an unhealthy background ingress in its detail but stays 200; start and stop are idempotent', async () => {
    const state = { healthy: true, starts: 0, stops: 0 };
    const gw = buildTestGateway([{ plugin: pollerPlugin(state), config: { id: 'mailbox', kind: 'poller' } }]);
    await Promise.all([gw.start(), gw.start()]);
    expect(state.starts).toBe(1);
    expect((await request(gw.app).get('/ready')).status).toBe(200);
    state.healthy = false;
    const res = await request(gw.app).get('/ready');
    // Only the bus and the store decide readiness: a broken mailbox must not take the webhooks down with it.
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('degraded');
    expect(res.body.degraded).toEqual(['connector:mailbox']);
    expect(res.body.checks.connectors.mailbox).toEqual({ healthy: false, reason: 'auth failed 3 times' });
    await gw.stop();
    await gw.stop();
    expect(state.stops).toBe(1);
    expect(await gw.metrics.registry.metrics()).toContain('leadgate_connector_healthy{connector="mailbox"} 0');
  });

  it('GET /metrics serves Prometheus text with the gateway counters', async () => {
    const gw = buildTestGateway([{ plugin: forms, config: { id: 'site', kind: 'forms' } }]);
    await sendHook(gw.app, 'site', { headers: { 'Content-Type': 'application/json' }, body: '{"name":"A","phone":"1"}' });
    const res = await request(gw.app).get('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/plain/);
    expect(res.text).toContain('leadgate_gateway_events_total{connector="site",outcome="accepted"} 1');
    expect(res.text).toContain('leadgate_gateway_ingest_seconds_count{connector="site"} 1');
  });

  it('validates connector configs once at build time', () => {
    const build = (config: Record<string, unknown>) => () => buildTestGateway([{ plugin: forms, config: { id: 'x', kind: 'forms', ...config } }]);
    expect(build({ secret: 'short' })).toThrow(LeadgateError);
    expect(build({ unknownSetting: true })).toThrow(/unknown key/);
    expect(build({ id: 'Bad Id' })).toThrow(/must match/);
    const gw = buildTestGateway([{ plugin: forms, config: { id: 'x', kind: 'forms' } }]);
    expect(gw.connectors.get('x')).toEqual({ id: 'x', kind: 'forms', honeypotField: 'lg_hp' });
    expect(Object.isFrozen(gw.connectors.get('x'))).toBe(true);
    expect(() =>
      buildTestGateway([
        { plugin: forms, config: { id: 'dup', kind: 'forms' } },
        { plugin: forms, config: { id: 'dup', kind: 'forms' } },
      ]),
    ).toThrow(/used twice/);
  });

  it('the registry holds the forms plugin under its kind', () => {
    expect(connectorPlugins.get('forms')).toBe(formsConnector);
    expect(typeof createGatewayApp).toBe('function');
  });
});
