import { createHash, createHmac } from 'node:crypto';
import { formsConnector } from '../../connectors/forms/forms.connector.js';
import { FILES_KEY } from '../../connectors/forms/forms.fields.js';
import type { ConnectorPlugin } from '../../connectors/connector.port.js';
import type { RawEventV1 } from '../../contracts/raw-event.js';
import { Topics } from '../../contracts/topics.js';
import { canonicalJson } from '../../gateway/ingest.js';
import { buildTestGateway, sendHook } from '../support/connector-conformance.js';

const token = 'tilda-token-0123456789';
const plugin = formsConnector;
const form = { 'Content-Type': 'application/x-www-form-urlencoded' };
const json = { 'Content-Type': 'application/json' };

function gateway() {
  return buildTestGateway([
    { plugin, config: { id: 'tilda', kind: 'forms', secret: token } },
    {
      plugin,
      config: { id: 'landing', kind: 'forms', corsOrigins: ['https://landing.example.com'], redirectUrl: 'https://landing.example.com/thanks', honeypotField: 'website_url' },
    },
  ]);
}

const eventOf = (gw: ReturnType<typeof gateway>, i = 0): RawEventV1 => gw.bus.on(Topics.raw)[i]?.value as RawEventV1;

describe('gateway + forms connector', () => {
  it('accepts a Tilda post: 202 with the event id, keyed by tranid, payload and safe meta kept', async () => {
    const gw = gateway();
    const res = await sendHook(gw.app, 'tilda', {
      query: { token },
      headers: { ...form, 'User-Agent': 'Tilda.cc', Cookie: 'sid=abc', Authorization: 'Bearer x', 'X-Forwarded-For': '203.0.113.7' },
      body: 'Name=Ivan&Phone=%2B79991234567&tranid=5528031%3A3918474023&formid=form1',
    });
    expect(res.status).toBe(202);
    const record = gw.bus.on(Topics.raw)[0];
    const event = eventOf(gw);
    expect(res.body).toEqual({ status: 'accepted', eventId: event.id });
    expect(record?.key).toBe('tilda:5528031:3918474023');
    expect(event).toMatchObject({
      v: 1,
      connector: { id: 'tilda', kind: 'forms' },
      channel: 'form',
      providerEventId: '5528031:3918474023',
      payload: { Name: 'Ivan', Phone: '+79991234567', tranid: '5528031:3918474023', formid: 'form1' },
      meta: { userAgent: 'Tilda.cc' },
    });
    expect(event.meta.headers).toEqual({ 'user-agent': 'Tilda.cc', 'content-type': 'application/x-www-form-urlencoded', 'content-length': expect.any(String), 'x-forwarded-for': '203.0.113.7' });
    expect(JSON.stringify(event)).not.toContain(token);
    expect(Date.parse(event.receivedAt)).not.toBeNaN();
  });

  it("answers Tilda's test=test with 200 ignored and publishes nothing", async () => {
    const gw = gateway();
    const res = await sendHook(gw.app, 'tilda', { headers: { ...form, 'X-Leadgate-Token': token }, body: 'test=test' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ignored', reason: 'test request' });
    expect(gw.bus.records).toHaveLength(0);
  });

  it('keys an event without a provider id by a canonical hash of its payload, whatever the key order', async () => {
    const gw = gateway();
    await sendHook(gw.app, 'landing', { headers: json, body: JSON.stringify({ name: 'Anna', phone: '1' }) });
    await sendHook(gw.app, 'landing', { headers: json, body: JSON.stringify({ phone: '1', name: 'Anna' }) });
    const [a, b] = gw.bus.on(Topics.raw);
    const hash = createHash('sha256').update(canonicalJson({ name: 'Anna', phone: '1' })).digest('hex');
    expect(a?.key).toMatch(new RegExp(`^landing:sha256:${hash}@`));
    expect(b?.key).toBe(a?.key);
  });

  it('takes the Idempotency-Key header as the provider event id', async () => {
    const gw = gateway();
    await sendHook(gw.app, 'landing', { headers: { ...json, 'Idempotency-Key': 'order-77' }, body: JSON.stringify({ name: 'A', event_id: 'ignored' }) });
    expect(gw.bus.on(Topics.raw)[0]?.key).toBe('landing:order-77');
  });

  it('answers an allow-listed preflight and sets CORS headers on the post', async () => {
    const gw = gateway();
    const origin = 'https://landing.example.com';
    const pre = await sendHook(gw.app, 'landing', { method: 'OPTIONS', headers: { Origin: origin, 'Access-Control-Request-Method': 'POST' } });
    expect(pre.status).toBe(204);
    expect(pre.headers['access-control-allow-origin']).toBe(origin);
    expect(pre.headers['access-control-allow-headers']).toContain('X-Leadgate-Signature');
    const res = await sendHook(gw.app, 'landing', { headers: { ...json, Origin: origin }, body: JSON.stringify({ email: 'a@example.com' }) });
    expect(res.status).toBe(202);
    expect(res.headers['access-control-allow-origin']).toBe(origin);
    expect(res.headers.vary).toContain('Origin');
  });

  it('redirects a plain HTML form post 303 to the thank-you page, after publishing', async () => {
    const gw = gateway();
    const res = await sendHook(gw.app, 'landing', {
      headers: { ...form, Accept: 'text/html,application/xhtml+xml,*/*;q=0.8' },
      body: 'name=Anna&phone=123',
    });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('https://landing.example.com/thanks');
    expect(gw.bus.records).toHaveLength(1);
  });

  it('answers a filled honeypot exactly like success, but publishes it flagged spam and counts it as spam', async () => {
    const gw = gateway();
    const res = await sendHook(gw.app, 'landing', { headers: json, body: JSON.stringify({ name: 'Bot', email: 'b@x.example', website_url: 'http://spam' }) });
    expect(res.status).toBe(202);
    expect(res.body.status).toBe('accepted');
    expect(eventOf(gw).meta.flags).toEqual(['spam']);
    expect(await gw.metrics.registry.metrics()).toContain('leadgate_gateway_events_total{connector="landing",outcome="spam"} 1');
  });

  it('accepts multipart with an attachment, keeping only the fields', async () => {
    const gw = gateway();
    const b = 'formBoundary42';
    const body =
      `--${b}\r\nContent-Disposition: form-data; name="name"\r\n\r\nMaria\r\n` +
      `--${b}\r\nContent-Disposition: form-data; name="phone"\r\n\r\n+7 912 000-11-22\r\n` +
      `--${b}\r\nContent-Disposition: form-data; name="file"; filename="a.bin"\r\nContent-Type: application/octet-stream\r\n\r\n${'z'.repeat(1000)}\r\n` +
      `--${b}--\r\n`;
    const res = await sendHook(gw.app, 'landing', { headers: { 'Content-Type': `multipart/form-data; boundary=${b}` }, body });
    expect(res.status).toBe(202);
    // The file is described (the mapper carries it as attachment metadata), never its content.
    expect(eventOf(gw).payload).toEqual({ name: 'Maria', phone: '+7 912 000-11-22', [FILES_KEY]: [{ field: 'file', filename: 'a.bin', mimeType: 'application/octet-stream', sizeBytes: 1000 }] });
  });

  it('does not flag an empty honeypot as spam', async () => {
    const gw = gateway();
    await sendHook(gw.app, 'landing', { headers: form, body: 'name=Anna&phone=1&website_url=' });
    expect(eventOf(gw).meta.flags).toBeUndefined();
  });

  it('with both token and HMAC configured, either credential passes but a wrong signature always fails', async () => {
    const hmacSecret = 'both-hmac-key-0123456789';
    const gw = buildTestGateway([{ plugin, config: { id: 'both', kind: 'forms', secret: token, hmacSecret } }]);
    const body = '{"name":"A","phone":"1"}';
    const good = `sha256=${createHmac('sha256', hmacSecret).update(body).digest('hex')}`;
    expect((await sendHook(gw.app, 'both', { headers: { ...json, 'X-Leadgate-Token': token }, body })).status).toBe(202);
    expect((await sendHook(gw.app, 'both', { headers: { ...json, 'X-Leadgate-Signature': good }, body })).status).toBe(202);
    const wrongSig = await sendHook(gw.app, 'both', { headers: { ...json, 'X-Leadgate-Token': token, 'X-Leadgate-Signature': 'sha256=00' }, body });
    expect(wrongSig.status).toBe(401);
    expect(gw.bus.records).toHaveLength(2);
  });
});
