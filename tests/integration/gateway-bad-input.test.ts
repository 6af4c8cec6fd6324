import { createHmac } from 'node:crypto';
import request from 'supertest';
import { formsConnector } from '../../connectors/forms/forms.connector.js';
import type { ConnectorPlugin } from '../../connectors/connector.port.js';
import { buildTestGateway, sendHook, type HookRequest } from '../support/connector-conformance.js';

const token = 'tilda-token-0123456789';
const hmacSecret = 'site-backend-hmac-key-0123';
const plugin = formsConnector;
const json = { 'Content-Type': 'application/json' };
const form = { 'Content-Type': 'application/x-www-form-urlencoded' };

function gateway() {
  return buildTestGateway(
    [
      { plugin, config: { id: 'tilda', kind: 'forms', secret: token } },
      { plugin, config: { id: 'backend', kind: 'forms', hmacSecret } },
      { plugin, config: { id: 'landing', kind: 'forms', corsOrigins: ['https://landing.example.com'] } },
    ],
    { bodyLimitBytes: 2048 },
  );
}

interface BadCase {
  name: string;
  connector: string;
  req: HookRequest;
  status: number;
  code: string;
  reason?: string;
}

const cases: BadCase[] = [
  { name: 'malformed JSON', connector: 'landing', req: { headers: json, body: '{"name": "Anna",' }, status: 400, code: 'BAD_REQUEST' },
  { name: 'JSON that is not an object', connector: 'landing', req: { headers: json, body: '["Anna"]' }, status: 422, code: 'VALIDATION_FAILED' },
  { name: 'wrong content type', connector: 'landing', req: { headers: { 'Content-Type': 'text/xml' }, body: '<lead/>' }, status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
  { name: 'gzip content encoding', connector: 'landing', req: { headers: { ...json, 'Content-Encoding': 'gzip' }, body: '{}' }, status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
  { name: 'oversize body', connector: 'landing', req: { headers: form, body: `message=${'x'.repeat(5000)}` }, status: 413, code: 'PAYLOAD_TOO_LARGE' },
  {
    name: 'no lead fields at all',
    connector: 'landing',
    req: { headers: form, body: 'utm_source=yandex&tranid=1&formid=f1' },
    status: 422,
    code: 'VALIDATION_FAILED',
    reason: 'no_lead_fields',
  },
  { name: 'empty body', connector: 'landing', req: {}, status: 422, code: 'VALIDATION_FAILED', reason: 'no_lead_fields' },
  { name: 'missing token', connector: 'tilda', req: { headers: form, body: 'Name=A&Phone=1' }, status: 401, code: 'UNAUTHORIZED', reason: 'missing_credentials' },
  {
    name: 'wrong token in the query',
    connector: 'tilda',
    req: { query: { token: 'tilda-token-WRONG-6789' }, headers: form, body: 'Name=A&Phone=1' },
    status: 401,
    code: 'UNAUTHORIZED',
    reason: 'bad_token',
  },
  {
    name: 'wrong token in the header',
    connector: 'tilda',
    req: { headers: { ...form, 'X-Leadgate-Token': 'nope' }, body: 'Name=A&Phone=1' },
    status: 401,
    code: 'UNAUTHORIZED',
    reason: 'bad_token',
  },
  {
    name: 'bad HMAC',
    connector: 'backend',
    req: { headers: { ...json, 'X-Leadgate-Signature': `sha256=${'0'.repeat(64)}` }, body: '{"name":"A","phone":"1"}' },
    status: 401,
    code: 'UNAUTHORIZED',
    reason: 'bad_signature',
  },
  {
    name: 'HMAC over different bytes',
    connector: 'backend',
    req: {
      headers: { ...json, 'X-Leadgate-Signature': `sha256=${createHmac('sha256', hmacSecret).update('{"name":"B"}').digest('hex')}` },
      body: '{"name":"A","phone":"1"}',
    },
    status: 401,
    code: 'UNAUTHORIZED',
    reason: 'bad_signature',
  },
  {
    name: 'disallowed CORS origin',
    connector: 'landing',
    req: { headers: { ...json, Origin: 'https://evil.example' }, body: '{"name":"A","phone":"1"}' },
    status: 403,
    code: 'FORBIDDEN',
    reason: 'origin_not_allowed',
  },
  {
    name: 'disallowed CORS origin on preflight',
    connector: 'landing',
    req: { method: 'OPTIONS', headers: { Origin: 'https://evil.example', 'Access-Control-Request-Method': 'POST' } },
    status: 403,
    code: 'FORBIDDEN',
  },
  { name: 'event id longer than 512', connector: 'landing', req: { headers: json, body: JSON.stringify({ name: 'A', eventId: 'e'.repeat(600) }) }, status: 422, code: 'VALIDATION_FAILED' },
];

describe('gateway: bad input is refused with a machine-readable reason and nothing is published', () => {
  it.each(cases)('$name → $status $code', async ({ connector, req, status, code, reason }) => {
    const gw = gateway();
    const res = await sendHook(gw.app, connector, req);
    expect(res.status).toBe(status);
    expect(res.headers['content-type']).toMatch(/application\/json/);
    const body = res.body as { error: { code: string; message: string; details?: { reason?: string } } };
    expect(body.error.code).toBe(code);
    expect(body.error.message.length).toBeGreaterThan(0);
    if (reason) expect(body.error.details?.reason).toBe(reason);
    expect(gw.bus.records).toHaveLength(0);
  });

  it('counts rejections by outcome', async () => {
    const gw = gateway();
    await sendHook(gw.app, 'tilda', { headers: form, body: 'Name=A' });
    await sendHook(gw.app, 'landing', { headers: json, body: '{' });
    const text = await gw.metrics.registry.metrics();
    expect(text).toContain('leadgate_gateway_events_total{connector="tilda",outcome="unauthorized"} 1');
    expect(text).toContain('leadgate_gateway_events_total{connector="landing",outcome="invalid"} 1');
  });

  it('answers 404 NOT_FOUND JSON for an unknown connector', async () => {
    const res = await request(gateway().app).post('/v1/hooks/nobody').send({ name: 'A' });
    expect(res.status).toBe(404);
    expect(res.body.error).toMatchObject({ code: 'NOT_FOUND', details: { connector: 'nobody' } });
  });
});
