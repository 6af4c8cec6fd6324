import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { signStandardWebhook } from '../../router/destinations/standard-webhooks.signer.js';
import { WebhookDestination } from '../../router/destinations/webhook.destination.js';
import type { Delivery } from '../../contracts/delivery.js';

/** The receiver side, as docs/destinations.md shows it to CRM developers. */
function verify(secret: string, headers: IncomingHttpHeaders, body: string, toleranceSec = 300): boolean {
  const id = String(headers['webhook-id']);
  const timestamp = String(headers['webhook-timestamp']);
  if (Math.abs(Date.now() / 1000 - Number(timestamp)) > toleranceSec) return false;
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest();
  return String(headers['webhook-signature'])
    .split(' ')
    .some((entry) => {
      const [version, sig] = entry.split(',');
      const given = Buffer.from(sig ?? '', 'base64');
      return version === 'v1' && given.length === expected.length && timingSafeEqual(given, expected);
    });
}

describe('Standard Webhooks signatures', () => {
  test("the specification's published test vector", () => {
    const headers = signStandardWebhook('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'msg_p5jXN8AQM9LWM0D4loKWxJek', '{"test": 2432232314}', 1614265330);
    expect(headers).toEqual({ 'webhook-id': 'msg_p5jXN8AQM9LWM0D4loKWxJek', 'webhook-timestamp': '1614265330', 'webhook-signature': 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=' });
  });

  test('the webhook destination signs with webhookSecret; X-Leadgate-Signature only with hmacSecret', async () => {
    const seen: { headers: IncomingHttpHeaders; body: string }[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen.push({ headers: req.headers, body });
        res.writeHead(201, { 'content-type': 'application/json' }).end('{"id":"1"}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/leads`;
    const secret = `whsec_${Buffer.from('a 32 byte key for the test suite').toString('base64')}`;
    const delivery = { kind: 'lead.create', idempotencyKey: 'lead:0d6c7f1e', ownerId: 'anna', lead: { v: 1, leadId: '0d6c7f1e' } } as unknown as Delivery;
    const common = { id: 'crm', kind: 'webhook' as const, url, timeoutMs: 5000, ownerMap: {}, circuitBreaker: { consecutiveFailures: 5, halfOpenAfterMs: 1000 } };
    try {
      await new WebhookDestination({ ...common, webhookSecret: secret }).send(delivery);
      await new WebhookDestination({ ...common, hmacSecret: 'legacy-secret-123' }).send(delivery);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    const [standard, legacy] = seen as [(typeof seen)[0], (typeof seen)[0]];
    expect(standard.headers['webhook-id']).toBe('lead:0d6c7f1e');
    expect(verify(secret, standard.headers, standard.body)).toBe(true);
    expect(verify(secret, standard.headers, standard.body.replace('anna', 'boris'))).toBe(false);
    expect(standard.headers['x-leadgate-signature']).toBeUndefined();
    expect(legacy.headers['webhook-signature']).toBeUndefined();
    expect(legacy.headers['x-leadgate-signature']).toMatch(/^sha256=[0-9a-f]{64}$/);
  });
});
