import { Topics } from '../../contracts/topics.js';
import type { ConnectorPlugin } from '../../connectors/connector.port.js';
import { callWebhookConnector } from '../../connectors/telephony/call-webhook.connector.js';
import { mangoConnector } from '../../connectors/telephony/mango.connector.js';
import { mangoSign, verifyMangoSign } from '../../connectors/telephony/mango.signature.js';
import { zadarmaConnector } from '../../connectors/telephony/zadarma.connector.js';
import { verifyZadarmaSignature, zadarmaSignatures, zadarmaSignedString } from '../../connectors/telephony/zadarma.signature.js';
import { buildTestGateway, sendHook } from '../support/connector-conformance.js';

// Vectors computed once with an independent implementation (node -e with crypto) and pinned here.
const cyrillicJson = '{"entry_id":"MToxMDE0NTU0NQ==","call_direction":1,"from":{"number":"79161234567"},"comment":"Звонок с сайта"}';
const mangoVector = 'bb2fa8aaf26afbcf69c5713f8fdf8855c3a41cd6c32641649f9ee1c9ae6daeba';
const zdSigned = '79161234567' + '74951234567' + '2024-05-14 12:31:00';
const zdOfHex = 'NWY2ZWQ1NWM1ZTQ3MzAwZWRmNmUzNmFhNThjMTIyYjUzMDM3N2E1Mw==';
const zdOfBytes = 'X27VXF5HMA7fbjaqWMEitTA3elM=';

describe('Mango sign = sha256(api_key + json + salt)', () => {
  const creds = { apiKey: 'key-4f1c', apiSalt: 'salt-9a2b' };

  it('matches the pinned vector over a json with Cyrillic text', () => {
    expect(mangoSign(creds.apiKey, cyrillicJson, creds.apiSalt)).toBe(mangoVector);
    expect(() => verifyMangoSign(creds, creds.apiKey, mangoVector, cyrillicJson)).not.toThrow();
    expect(() => verifyMangoSign(creds, creds.apiKey, mangoVector.toUpperCase(), cyrillicJson)).not.toThrow();
  });

  it('fails for a re-serialised json (escaped Cyrillic), a wrong key, a wrong salt or a missing sign', () => {
    const reserialised = JSON.stringify(JSON.parse(cyrillicJson)).replace(/[\u0400-\u04ff]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
    expect(reserialised).not.toBe(cyrillicJson);
    expect(() => verifyMangoSign(creds, creds.apiKey, mangoVector, reserialised)).toThrow('sign is wrong');
    expect(() => verifyMangoSign(creds, 'other-key', mangoSign('other-key', cyrillicJson, creds.apiSalt), cyrillicJson)).toThrow();
    expect(() => verifyMangoSign(creds, creds.apiKey, mangoSign(creds.apiKey, cyrillicJson, 'other-salt'), cyrillicJson)).toThrow();
    expect(() => verifyMangoSign(creds, creds.apiKey, undefined, cyrillicJson)).toThrow('required');
  });

  it('the ingress hashes the json field exactly as decoded from the form (UTF-8 percent-encoding)', async () => {
    const gw = buildTestGateway([{ plugin: mangoConnector, config: { id: 'mango', kind: 'mango', ...creds } }]);
    const form = (sign: string): string => new URLSearchParams({ vpbx_api_key: creds.apiKey, sign, json: cyrillicJson }).toString();
    const ok = await sendHook(gw.app, 'mango', { path: '/events/summary', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: form(mangoVector) });
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ success: true });
    const bad = await sendHook(gw.app, 'mango', { path: '/events/summary', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: form('0'.repeat(64)) });
    expect(bad.status).toBe(401);
    expect(gw.bus.on(Topics.raw)).toHaveLength(1);
    expect((gw.bus.on(Topics.raw)[0]?.value as { payload: { body: { json: string } } }).payload.body.json).toBe(cyrillicJson);
  });
});

describe('Zadarma Signature = base64(HMAC-SHA1(secret, fields))', () => {
  const secret = 'zd-secret-123';

  it('builds the signed string per event type', () => {
    const f = { caller_id: 'A', called_did: 'B', destination: 'D', internal: 'I', call_start: 'T', pbx_call_id: 'P', call_id_with_rec: 'R' };
    expect(zadarmaSignedString('NOTIFY_START', f)).toBe('ABT');
    expect(zadarmaSignedString('NOTIFY_END', f)).toBe('ABT');
    expect(zadarmaSignedString('NOTIFY_ANSWER', f)).toBe('ADT');
    expect(zadarmaSignedString('NOTIFY_OUT_START', f)).toBe('IDT');
    expect(zadarmaSignedString('NOTIFY_OUT_END', f)).toBe('IDT');
    expect(zadarmaSignedString('NOTIFY_RECORD', f)).toBe('PR');
    expect(zadarmaSignedString('SMS', f)).toBeUndefined();
  });

  it('produces both pinned encodings: base64 of the hex digest (56 chars, PHP) and of the raw bytes (28 chars, TS library)', () => {
    const { ofHex, ofBytes } = zadarmaSignatures(secret, zdSigned);
    expect(ofHex).toBe(zdOfHex);
    expect(ofHex).toHaveLength(56);
    expect(ofBytes).toBe(zdOfBytes);
    expect(ofBytes).toHaveLength(28);
  });

  it('accepts either encoding and refuses wrong, truncated, other-field or missing signatures', () => {
    expect(verifyZadarmaSignature(secret, zdSigned, zdOfHex)).toBe(true);
    expect(verifyZadarmaSignature(secret, zdSigned, zdOfBytes)).toBe(true);
    expect(verifyZadarmaSignature(secret, zdSigned, zdOfBytes.slice(0, -2))).toBe(false);
    expect(verifyZadarmaSignature('another-secret', zdSigned, zdOfHex)).toBe(false);
    expect(verifyZadarmaSignature(secret, `${zdSigned}x`, zdOfBytes)).toBe(false);
    // The hex digest itself (not base64'd) is neither form.
    expect(verifyZadarmaSignature(secret, zdSigned, Buffer.from(zdOfHex, 'base64').toString('utf8'))).toBe(false);
    expect(verifyZadarmaSignature(secret, zdSigned, undefined)).toBe(false);
  });

  it('the ingress accepts both encodings and answers 401 to a wrong one, publishing only the signed events', async () => {
    const gw = buildTestGateway([{ plugin: zadarmaConnector, config: { id: 'zd', kind: 'zadarma', apiSecret: secret, timeZone: '+03:00' } }]);
    const body = (id: string): string =>
      new URLSearchParams({ event: 'NOTIFY_START', call_start: '2024-05-14 12:31:00', pbx_call_id: id, caller_id: '79161234567', called_did: '74951234567' }).toString();
    const post = (id: string, signature: string) => sendHook(gw.app, 'zd', { headers: { 'Content-Type': 'application/x-www-form-urlencoded', Signature: signature }, body: body(id) });
    expect((await post('in_1', zdOfHex)).status).toBe(200);
    expect((await post('in_2', zdOfBytes)).status).toBe(200);
    const wrong = await post('in_3', zadarmaSignatures('another-secret', zdSigned).ofBytes);
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.code).toBe('UNAUTHORIZED');
    expect(gw.bus.on(Topics.raw).map((r) => r.key)).toEqual(['zd:in_1:NOTIFY_START', 'zd:in_2:NOTIFY_START']);
  });

  it('echoes zd_echo as plain text and refuses odd echo values', async () => {
    const gw = buildTestGateway([{ plugin: zadarmaConnector, config: { id: 'zd', kind: 'zadarma', apiSecret: secret } }]);
    const res = await sendHook(gw.app, 'zd', { method: 'GET', query: { zd_echo: 'a1B2c3' } });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.text).toBe('a1B2c3');
    expect((await sendHook(gw.app, 'zd', { method: 'GET', query: { zd_echo: '<script>' } })).status).toBe(400);
  });
});

describe('generic call webhook HMAC-SHA256 of the raw body', () => {
  const hmacSecret = 'generic-hmac-key-0123';
  const body = '{"callId":"c1","direction":"inbound","caller":"+79161234567"}';
  const vector = '20c2b89d9e2b8c3488da60618852668ed6831064e733bf7019cff6074891979f';
  const gw = () => buildTestGateway([{ plugin: callWebhookConnector, config: { id: 'pbx', kind: 'call-webhook', hmacSecret } }]);
  const post = (app: ReturnType<typeof gw>, signature?: string) =>
    sendHook(app.app, 'pbx', { headers: { 'Content-Type': 'application/json', ...(signature ? { 'X-Leadgate-Signature': signature } : {}) }, body });

  it('accepts the pinned vector, refuses wrong or missing signatures', async () => {
    const app = gw();
    expect((await post(app, `sha256=${vector}`)).status).toBe(202);
    expect((await post(app, `sha256=${vector.replace(/.$/, '0')}`)).status).toBe(401);
    expect((await post(app, vector)).status).toBe(401);
    expect((await post(app)).status).toBe(401);
    expect(app.bus.on(Topics.raw)).toHaveLength(1);
  });
});
