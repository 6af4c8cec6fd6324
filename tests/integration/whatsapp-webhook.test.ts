import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import request from 'supertest';
import { Topics } from '../../contracts/topics.js';
import type { RawEventV1 } from '../../contracts/raw-event.js';
import type { ConnectorPlugin } from '../../connectors/connector.port.js';
import { whatsappConnector } from '../../connectors/whatsapp/whatsapp.connector.js';
import type { WhatsAppConfig } from '../../connectors/whatsapp/whatsapp.config.js';
import { buildTestGateway, sendHook, type TestGateway } from '../support/connector-conformance.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '../fixtures/whatsapp');
const bytes = (name: string): string => readFileSync(join(fixtures, `${name}.body`), 'latin1');
const appSecret = 'c0ffee0123456789abcdef0123456789';
const verifyToken = 'meta-verify-token-0123';
const config: WhatsAppConfig = { id: 'wa-sales', kind: 'whatsapp', verifyToken, appSecret, phoneNumberId: '106540352242922' };
const sign = (body: string, key = appSecret): string => `sha256=${createHmac('sha256', key).update(Buffer.from(body, 'latin1')).digest('hex')}`;
const signedHeaders = (body: string): Record<string, string> => ({ 'Content-Type': 'application/json', 'X-Hub-Signature-256': sign(body) });

function gateway(): TestGateway {
  return buildTestGateway([{ plugin: whatsappConnector, config }]);
}

describe('whatsapp verification handshake', () => {
  it('echoes hub.challenge as text/plain for the right token', async () => {
    const gw = gateway();
    const res = await request(gw.app).get('/v1/hooks/wa-sales').query({ 'hub.mode': 'subscribe', 'hub.verify_token': verifyToken, 'hub.challenge': '1158201444' });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.text).toBe('1158201444');
  });

  it.each([
    ['a wrong token', { 'hub.mode': 'subscribe', 'hub.verify_token': 'meta-verify-token-XXXX', 'hub.challenge': '1' }],
    ['no token', { 'hub.mode': 'subscribe', 'hub.challenge': '1' }],
    ['another mode', { 'hub.mode': 'unsubscribe', 'hub.verify_token': verifyToken, 'hub.challenge': '1' }],
    ['no challenge', { 'hub.mode': 'subscribe', 'hub.verify_token': verifyToken }],
  ])('answers 403 for %s', async (_label, query) => {
    const res = await request(gateway().app).get('/v1/hooks/wa-sales').query(query);
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('FORBIDDEN');
  });
});

describe('whatsapp message webhooks', () => {
  it('verifies the signature over the escaped-unicode bytes Meta sends and publishes the Cyrillic text intact', async () => {
    const body = bytes('text-cyrillic');
    expect(body).toContain('\\u0418\\u0432\\u0430\\u043d');
    // Re-serialising the parsed body gives different bytes, so a signature over them would not match.
    expect(JSON.stringify(JSON.parse(body))).not.toBe(body);
    const gw = gateway();
    const res = await sendHook(gw.app, 'wa-sales', { headers: signedHeaders(body), body });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('accepted');
    const [record] = gw.bus.on(Topics.raw);
    expect(record?.key).toBe('wa-sales:wamid.HBgLNzkxNjEyMzQ1NjcVAgASGBQzQTdGOEUwQ0Y2QjM1RjE0QTlCNAA=');
    const event = record?.value as RawEventV1;
    expect(event.channel).toBe('whatsapp');
    expect(JSON.stringify(event.payload)).toContain('Добрый день! Хочу заказать кухню, перезвоните / напишите.');
    expect(JSON.stringify(event.payload)).toContain('Иван Петров');
  });

  it('refuses the same body signed with the re-serialised JSON (the classic mistake) with 401', async () => {
    const body = bytes('text-cyrillic');
    const gw = gateway();
    const wrong = `sha256=${createHmac('sha256', appSecret).update(JSON.stringify(JSON.parse(body))).digest('hex')}`;
    const res = await sendHook(gw.app, 'wa-sales', { headers: { 'Content-Type': 'application/json', 'X-Hub-Signature-256': wrong }, body });
    expect(res.status).toBe(401);
    expect(res.body.error).toMatchObject({ code: 'UNAUTHORIZED', details: { reason: 'bad_signature' } });
    expect(gw.bus.records).toHaveLength(0);
  });

  it.each([
    ['missing', undefined],
    ['signed with another secret', sign(bytes('text-cyrillic'), 'another-app-secret-0123456789')],
    ['without the sha256= prefix', sign(bytes('text-cyrillic')).slice('sha256='.length)],
  ])('refuses a %s signature with 401', async (_label, signature) => {
    const gw = gateway();
    const headers: Record<string, string> = { 'Content-Type': 'application/json' };
    if (signature) headers['X-Hub-Signature-256'] = signature;
    const res = await sendHook(gw.app, 'wa-sales', { headers, body: bytes('text-cyrillic') });
    expect(res.status).toBe(401);
    expect(gw.bus.records).toHaveLength(0);
  });

  it('checks the signature before parsing: unsigned garbage is 401, not 400', async () => {
    const res = await sendHook(gateway().app, 'wa-sales', { headers: { 'Content-Type': 'application/json' }, body: '{"object":' });
    expect(res.status).toBe(401);
  });

  it('publishes one event per message of a batched body and answers after all are durable', async () => {
    const gw = gateway();
    const body = bytes('two-messages');
    const res = await sendHook(gw.app, 'wa-sales', { headers: signedHeaders(body), body });
    expect(res.status).toBe(200);
    expect(res.body.eventIds).toHaveLength(2);
    const raw = gw.bus.on(Topics.raw);
    expect(raw.map((r) => r.key).sort()).toEqual(['wa-sales:wamid.AAA1', 'wa-sales:wamid.AAA2']);
    for (const r of raw) {
      const value = (r.value as RawEventV1).payload as { entry: { changes: { value: { messages: unknown[]; contacts: unknown[] } }[] }[] };
      expect(value.entry[0]?.changes[0]?.value.messages).toHaveLength(1);
      expect(value.entry[0]?.changes[0]?.value.contacts).toHaveLength(1);
    }
  });

  it('answers 503 for the whole body when the bus is down, so Meta redelivers it', async () => {
    const gw = gateway();
    gw.bus.fail();
    const body = bytes('two-messages');
    const res = await sendHook(gw.app, 'wa-sales', { headers: signedHeaders(body), body });
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBeDefined();
  });

  it('accepts a username user with a business-scoped id and no phone', async () => {
    const gw = gateway();
    const body = bytes('bsuid-no-phone');
    const res = await sendHook(gw.app, 'wa-sales', { headers: signedHeaders(body), body });
    expect(res.status).toBe(200);
    expect(gw.bus.on(Topics.raw)).toHaveLength(1);
  });

  it.each([
    ['statuses', 'status update'],
  ])('answers %s with 200 ignored and publishes nothing', async (name, reason) => {
    const gw = gateway();
    const body = bytes(name);
    const res = await sendHook(gw.app, 'wa-sales', { headers: signedHeaders(body), body });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ignored', reason });
    expect(gw.bus.records).toHaveLength(0);
  });

  it('ignores a body for another phone number of the same app', async () => {
    const gw = gateway();
    const body = bytes('text-cyrillic').replace('106540352242922', '999999999999999');
    const res = await sendHook(gw.app, 'wa-sales', { headers: signedHeaders(body), body });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ignored', reason: 'another phone number' });
    expect(gw.bus.records).toHaveLength(0);
  });

  it('ignores other webhook fields and objects', async () => {
    const gw = gateway();
    const other = JSON.stringify({ object: 'whatsapp_business_account', entry: [{ id: '1', changes: [{ field: 'message_template_status_update', value: { metadata: { phone_number_id: '106540352242922' }, event: 'APPROVED' } }] }] });
    const res = await sendHook(gw.app, 'wa-sales', { headers: signedHeaders(other), body: other });
    expect(res.body).toEqual({ status: 'ignored', reason: 'message_template_status_update change' });
    const page = JSON.stringify({ object: 'page', entry: [] });
    const res2 = await sendHook(gw.app, 'wa-sales', { headers: signedHeaders(page), body: page });
    expect(res2.status).toBe(200);
    expect(res2.body).toEqual({ status: 'ignored', reason: 'page object' });
    expect(gw.bus.records).toHaveLength(0);
  });

  it.each([
    ['bad JSON', '{"object":', 'application/json', 400],
    ['no entry', '{"object":"whatsapp_business_account"}', 'application/json', 422],
    ['a message without id', '{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"metadata":{"phone_number_id":"106540352242922"},"messages":[{"from":"79161234567","timestamp":"1","type":"text"}]}}]}]}', 'application/json', 422],
    ['a form post', 'object=whatsapp_business_account', 'application/x-www-form-urlencoded', 415],
  ])('refuses %s (correctly signed) with 4xx and an error body', async (_label, body, contentType, status) => {
    const gw = gateway();
    const res = await sendHook(gw.app, 'wa-sales', { headers: { ...signedHeaders(body), 'Content-Type': contentType }, body });
    expect(res.status).toBe(status);
    expect(typeof res.body.error.code).toBe('string');
    expect(gw.bus.records).toHaveLength(0);
  });
});
