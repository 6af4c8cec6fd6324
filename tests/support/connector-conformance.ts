import pino from 'pino';
import request from 'supertest';
import type { Express } from 'express';
import type { Response } from 'supertest';
import { Topics } from '../../contracts/topics.js';
import type { RawEventV1 } from '../../contracts/raw-event.js';
import type { ConnectorConfig, ConnectorPlugin } from '../../connectors/connector.port.js';
import { createGatewayApp, type GatewayApp, type GatewayDeps } from '../../gateway/app.js';
import { Metrics } from '../../platform/telemetry/metrics.js';
import { RecordingBus, StubStore, waitFor } from './recording-bus.js';

/** One HTTP request to a connector's webhook, relative to `/v1/hooks/<connector id>`. */
export interface HookRequest {
  method?: 'POST' | 'PUT' | 'GET' | 'OPTIONS';
  /** Below the hook root; default `/`. */
  path?: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  /** A string or Buffer is sent byte for byte (signatures are over raw bytes); an object is sent as JSON. */
  body?: string | Buffer | Record<string, unknown>;
}

export interface TestGateway extends GatewayApp {
  bus: RecordingBus;
  store: StubStore;
  metrics: Metrics;
}

/** A gateway over a recording bus and a stub store, with silent logs and isolated metrics. */
export function buildTestGateway(connectors: GatewayDeps['connectors'], overrides: Partial<GatewayDeps> = {}): TestGateway {
  const bus = new RecordingBus();
  const store = new StubStore();
  const metrics = new Metrics({ defaultMetrics: false });
  const gateway = createGatewayApp({ connectors, bus, store, metrics, logger: pino({ level: 'silent' }), ...overrides });
  return { ...gateway, bus, store, metrics };
}

export function sendHook(app: Express, connectorId: string, req: HookRequest): request.Test {
  const path = `/v1/hooks/${connectorId}${req.path && req.path !== '/' ? req.path : ''}`;
  const method = req.method ?? 'POST';
  const agent = request(app);
  const byMethod = { GET: () => agent.get(path), PUT: () => agent.put(path), POST: () => agent.post(path), OPTIONS: () => agent.options(path) };
  let test = byMethod[method]();
  if (req.query) test = test.query(req.query);
  for (const [name, value] of Object.entries(req.headers ?? {})) test = test.set(name, value);
  if (req.body !== undefined) test = test.send(req.body);
  return test;
}

export interface ConformanceCase<C extends ConnectorConfig = ConnectorConfig> {
  name: string;
  plugin: ConnectorPlugin<C>;
  config: C;
  /** A well-formed, authenticated request that must be acknowledged (2xx) and published. */
  validRequest: HookRequest;
  /** Authenticated but malformed or meaningless: must be refused with 4xx and an `error.code`. */
  badPayloadRequest: HookRequest;
  /** A request whose signature or token is wrong: 401/403. Omit for kinds without authentication. */
  badSignatureRequest?: HookRequest;
}

function expectErrorBody(res: Response): void {
  const body = res.body as { error?: { code?: unknown; message?: unknown } };
  expect(typeof body.error?.code).toBe('string');
  expect(typeof body.error?.message).toBe('string');
}

/**
 * The suite every connector kind passes (the Benthos habit): acknowledge only after a durable publish,
 * 503 + Retry-After when the bus is down, clear 4xx for bad input and bad credentials with nothing
 * published, and an idempotent background lifecycle.
 */
export function describeConnectorConformance<C extends ConnectorConfig>(spec: ConformanceCase<C>): void {
  const connectors = (): GatewayDeps['connectors'] => [{ plugin: spec.plugin, config: spec.config }];

  describe(`connector conformance: ${spec.name}`, () => {
    if (spec.plugin.createRouter) {
      it('answers 2xx only after the publish resolved, with the event on the raw topic', async () => {
        const gw = buildTestGateway(connectors());
        gw.bus.hold();
        let arrived = false;
        const pending = sendHook(gw.app, spec.config.id, spec.validRequest).then((res) => {
          arrived = true;
          return res;
        });
        await waitFor(() => gw.bus.pending === 1);
        // Give a premature response every chance to arrive before the bus lets go.
        await new Promise((r) => setTimeout(r, 50));
        expect(arrived).toBe(false);
        expect(gw.bus.records).toHaveLength(0);
        gw.bus.release();
        const res = await pending;
        expect(res.status).toBeGreaterThanOrEqual(200);
        expect(res.status).toBeLessThan(400);
        const raw = gw.bus.on(Topics.raw);
        expect(raw).toHaveLength(1);
        const event = raw[0]?.value as RawEventV1;
        expect(event.connector).toEqual({ id: spec.config.id, kind: spec.plugin.kind });
        expect(raw[0]?.key.startsWith(`${spec.config.id}:`)).toBe(true);
      });

      it('answers 503 with Retry-After and acknowledges nothing when the bus fails', async () => {
        const gw = buildTestGateway(connectors());
        gw.bus.fail();
        const res = await sendHook(gw.app, spec.config.id, spec.validRequest);
        expect(res.status).toBe(503);
        expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
        expect((res.body as { error: { code: string } }).error.code).toBe('BUS_UNAVAILABLE');
        expect(gw.bus.records).toHaveLength(0);
      });

      it('refuses a bad payload with 4xx and a machine-readable code, publishing nothing', async () => {
        const gw = buildTestGateway(connectors());
        const res = await sendHook(gw.app, spec.config.id, spec.badPayloadRequest);
        expect(res.status).toBeGreaterThanOrEqual(400);
        expect(res.status).toBeLessThan(500);
        expectErrorBody(res);
        expect(gw.bus.records).toHaveLength(0);
      });

      if (spec.badSignatureRequest) {
        const bad = spec.badSignatureRequest;
        it('refuses a bad signature or token with 401/403, publishing nothing', async () => {
          const gw = buildTestGateway(connectors());
          const res = await sendHook(gw.app, spec.config.id, bad);
          expect([401, 403]).toContain(res.status);
          expectErrorBody(res);
          expect(gw.bus.records).toHaveLength(0);
        });
      }
    }

    it('starts and stops idempotently', async () => {
      const gw = buildTestGateway(connectors());
      await Promise.all([gw.start(), gw.start()]);
      await gw.start();
      const started = Object.keys(gw.health());
      expect(started).toEqual(spec.plugin.start ? [spec.config.id] : []);
      await Promise.all([gw.stop(), gw.stop()]);
      await gw.stop();
      expect(gw.health()).toEqual({});
      // A restart after a stop works: the gateway role can be cycled in one process.
      await gw.start();
      expect(Object.keys(gw.health())).toEqual(started);
      await gw.stop();
    });
  });
}

/** One kind's conformance case as the registry-driven suite holds it: the kind comes from the case's plugin. */
export interface RegisteredConformanceCase {
  kind: string;
  name: string;
  describe(): void;
}

/** Wraps a case for tests/integration/connector-conformance.test.ts, keeping its config type checked. */
export function conformanceCase<C extends ConnectorConfig>(spec: ConformanceCase<C>): RegisteredConformanceCase {
  return { kind: spec.plugin.kind, name: spec.name, describe: () => describeConnectorConformance(spec) };
}

/**
 * The cases of one channel folder, with the real services they need (Dovecot, a Bot API stand-in) started
 * and stopped around them. Cases read their config when each test runs, so `beforeAll` may fill it in.
 */
export interface ConformanceSuite {
  cases: RegisteredConformanceCase[];
  beforeAll?(): Promise<void>;
  afterAll?(): Promise<void>;
}
