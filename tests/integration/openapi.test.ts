import { randomUUID } from 'node:crypto';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { RunningPipeline } from '../../bin/pipeline.js';
import { openApiDocument, validatedBodies } from '../../bin/openapi/openapi.document.js';
import { listRoutes, type RouteEntry } from '../../bin/openapi/route-inventory.js';
import { STREAM_PATH } from '../../gateway/stream/stream.upgrade.js';
import { createTestEnvironment, type TestEnvironment } from '../support/pipeline-harness.js';
import { startTelegramBotApiStub, type TelegramBotApiStub } from '../support/telegram-bot-api.stub.js';

/**
 * The OpenAPI document against the running gateway: every route the express app registers (connector
 * webhooks of every kind, admin, reports, console…) must be documented, every documented operation must
 * exist, and each documented request schema must be the one the route's validator enforces.
 */
const adminToken = 'openapi-admin-token-0123456789';
const botToken = '123456:openapi-test-token';
const methods = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head'];

type Doc = { openapi: string; paths: Record<string, Record<string, unknown>> };

/** Concrete connector ids in a route become the document's `{connectorId}`. */
function templated(route: RouteEntry, connectorIds: readonly string[]): RouteEntry {
  const m = /^\/v1\/hooks\/([^/]+)(\/.*)?$/.exec(route.path);
  if (m && connectorIds.includes(m[1] as string)) return { method: route.method, path: `/v1/hooks/{connectorId}${m[2] ?? ''}` };
  return route;
}

describe('OpenAPI document', () => {
  let env: TestEnvironment;
  let pipeline: RunningPipeline;
  let telegram: TelegramBotApiStub;
  let doc: Doc;
  const connectors = [
    { id: 'site', kind: 'forms' },
    { id: 'bot', kind: 'telegram', botToken, publicUrl: 'https://leads.example.com', secretToken: 'x'.repeat(32), unregisterOnStop: false },
    { id: 'wa', kind: 'whatsapp', verifyToken: 'verify-token-0123', appSecret: 'app-secret-0123456789', phoneNumberId: '106540352242922' },
    { id: 'mango', kind: 'mango', apiKey: 'mango-key-0123456789', apiSalt: 'mango-salt-0123456789' },
    { id: 'zadarma', kind: 'zadarma', apiSecret: 'zadarma-secret-0123456' },
    { id: 'sipuni', kind: 'sipuni', secret: 'sipuni-secret-0123456' },
    { id: 'calls', kind: 'call-webhook', secret: 'call-secret-0123' },
  ];

  beforeAll(async () => {
    telegram = await startTelegramBotApiStub({ token: botToken });
    const withApi = connectors.map((c) => (c.kind === 'telegram' ? { ...c, apiRoot: telegram.url } : c));
    env = await createTestEnvironment('embedded', { admin: { token: adminToken }, connectors: withApi });
    pipeline = await env.start();
    doc = (await (await fetch(`http://127.0.0.1:${pipeline.port as number}/openapi.json`)).json()) as Doc;
  }, 120_000);

  afterAll(async () => {
    await env.cleanup();
    await telegram.close();
  }, 60_000);

  test('is a valid OpenAPI 3.1 document whose schemas compile (JSON Schema 2020-12)', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(doc).toEqual(JSON.parse(JSON.stringify(openApiDocument())));
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    ajv.addFormat('date-time', true);
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        if (!methods.includes(method)) continue;
        const operation = op as { responses?: object; requestBody?: { content: Record<string, { schema: object; example?: unknown }> } };
        expect({ path, method, hasResponses: typeof operation.responses }).toEqual({ path, method, hasResponses: 'object' });
        for (const media of Object.values(operation.requestBody?.content ?? {})) {
          const validate = ajv.compile(media.schema);
          if (media.example !== undefined) expect({ path, method, valid: validate(media.example), errors: validate.errors }).toEqual({ path, method, valid: true, errors: null });
        }
      }
    }
  });

  test('every route the gateway registers is documented, and every documented operation exists', () => {
    const ids = connectors.map((c) => c.id);
    const routes = listRoutes(pipeline.app as unknown as { router: { stack: unknown[] } })
      // Catch-alls answer 404 for paths that are not routes (mango's `/{*rest}`).
      .filter((r) => !r.path.includes('{*'))
      .map((r) => templated(r, ids));
    // The WebSocket handshake is an `upgrade` on the server, not an express route.
    routes.push({ method: 'GET', path: STREAM_PATH });
    expect(routes.length).toBeGreaterThan(20);
    const documented = new Set(Object.entries(doc.paths).flatMap(([path, item]) => Object.keys(item).filter((m) => methods.includes(m)).map((m) => `${m.toUpperCase()} ${path}`)));
    const registered = new Set(routes.map((r) => `${r.method} ${r.path}`));
    const undocumented = [...registered].filter((r) => !documented.has(r)).map((r) => `${r} is served but not in the OpenAPI document: add it to bin/openapi/openapi.document.ts`);
    const phantom = [...documented].filter((r) => !registered.has(r)).map((r) => `${r} is documented but no route serves it`);
    expect([...undocumented, ...phantom]).toEqual([]);
  });

  test.each(Object.keys(validatedBodies))("%s: the documented schema is the route's validator (it admits the example and refuses what the schema refuses)", async (key) => {
    const [method, template] = key.split(' ') as [string, string];
    const entry = validatedBodies[key] as { schema: { required?: readonly string[] }; example: Record<string, unknown> };
    const op = doc.paths[template]?.[method.toLowerCase()] as { requestBody: { content: { 'application/json': { schema: object } } } };
    expect(op.requestBody.content['application/json'].schema).toEqual(JSON.parse(JSON.stringify(entry.schema)));
    const url = `http://127.0.0.1:${pipeline.port as number}${template.replace('{id}', template.includes('/owners/') ? 'default-owner' : randomUUID())}`;
    const call = (body: unknown): Promise<Response> => fetch(url, { method, headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const valid = await call(entry.example);
    expect({ key, status: valid.status }).not.toEqual({ key, status: 422 });
    const unknownKey = await call({ ...entry.example, notInTheSchema: true });
    expect({ key, status: unknownKey.status }).toEqual({ key, status: 422 });
    expect(((await unknownKey.json()) as { error: { code: string } }).error.code).toBe('VALIDATION_FAILED');
    for (const required of entry.schema.required ?? []) {
      const { [required]: _dropped, ...rest } = entry.example;
      expect({ key, required, status: (await call(rest)).status }).toEqual({ key, required, status: 422 });
    }
  });
});
