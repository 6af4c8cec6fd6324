import iconv from 'iconv-lite';
import type { RunningPipeline } from '../../bin/pipeline.js';
import { startCrmStub, type CrmStub } from '../../scripts/crm-stub.js';
import { createTestEnvironment, type Backend, type TestEnvironment } from '../support/pipeline-harness.js';

/**
 * windows-1251 and KOI8-R bodies, urlencoded and multipart, with the charset on the Content-Type, in a
 * `_charset_` field, or only the connector's fallback: every one reaches the CRM decoded exactly, and no
 * U+FFFD ever does. Bodies that cannot be decoded, and JSON fields of the wrong type, are refused with a
 * reason. Both back-ends, through the real gateway, normalizer, router and a CRM over HTTP.
 */
type Charset = 'windows-1251' | 'koi8-r';
type Declared = 'content-type' | 'charset-field' | 'fallback';
type Format = 'urlencoded' | 'multipart';

interface Variant {
  charset: Charset;
  format: Format;
  declared: Declared;
  phone: string;
}

const name = 'Ёлкина Светлана Юрьевна';
// Only letters both charsets have (KOI8-R lacks «», — and №), Ёё included: its code differs most between them.
const message = 'Перезвоните, пожалуйста: нужен замер, объём работ 3 окна; щиток ЪЫЬЭЮЯ ёж';
const BOUNDARY = '----LeadgateCharsetBoundary7d1';

const variants: Variant[] = [];
let n = 10;
for (const charset of ['windows-1251', 'koi8-r'] as const) {
  for (const format of ['urlencoded', 'multipart'] as const) {
    for (const declared of ['content-type', 'charset-field', 'fallback'] as const) variants.push({ charset, format, declared, phone: `+7916555${String(n++).padStart(4, '0')}` });
  }
}

const percent = (bytes: Buffer): string => [...bytes].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');

function bodyOf(v: Variant): { body: Buffer; contentType: string } {
  const fields: [string, string][] = [
    ...(v.declared === 'charset-field' ? ([['_charset_', v.charset]] as [string, string][]) : []),
    ['name', name],
    ['phone', v.phone],
    ['message', message],
  ];
  const param = v.declared === 'content-type' ? `; charset=${v.charset}` : '';
  if (v.format === 'urlencoded') {
    const text = fields.map(([k, value]) => `${k}=${percent(iconv.encode(value, v.charset))}`).join('&');
    return { body: Buffer.from(text, 'ascii'), contentType: `application/x-www-form-urlencoded${param}` };
  }
  const parts = fields.map(([k, value]) => Buffer.concat([Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n`), iconv.encode(value, v.charset), Buffer.from('\r\n')]));
  const file = Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="plan"; filename="plan.pdf"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4 plan\r\n`);
  return { body: Buffer.concat([...parts, file, Buffer.from(`--${BOUNDARY}--\r\n`)]), contentType: `multipart/form-data; boundary=${BOUNDARY}${param}` };
}

/** windows-1251 is the default fallback; a KOI8-R site without any declaration needs its connector's. */
const connectorOf = (v: Variant): string => (v.declared === 'fallback' && v.charset === 'koi8-r' ? 'koi8-site' : 'site');

describe.each<Backend>(['embedded', 'kafka'])('form charsets on %s', (backend) => {
  let crm: CrmStub;
  let env: TestEnvironment;
  let pipeline: RunningPipeline;

  const post = (connector: string, body: Buffer | string, contentType: string): Promise<Response> =>
    fetch(`http://127.0.0.1:${pipeline.port as number}/v1/hooks/${connector}`, { method: 'POST', headers: { 'content-type': contentType }, body });

  beforeAll(async () => {
    crm = await startCrmStub();
    env = await createTestEnvironment(backend, {
      router: { owners: [{ id: 'anna' }], destination: { kind: 'webhook', url: crm.url }, retry: { attempts: 3, initialMs: 20, maxMs: 200 } },
      connectors: [
        { id: 'site', kind: 'forms' },
        { id: 'koi8-site', kind: 'forms', fallbackCharset: 'koi8-r' },
      ],
    });
    pipeline = await env.start();
  }, 120_000);

  afterAll(async () => {
    await env.cleanup();
    await crm.close();
  });

  test('every charset, format and declaration reaches the CRM exactly decoded, never with U+FFFD', async () => {
    for (const v of variants) {
      const { body, contentType } = bodyOf(v);
      const res = await post(connectorOf(v), body, contentType);
      expect({ v, status: res.status }).toEqual({ v, status: 202 });
    }
    const deliveries = await crm.waitForAccepted(variants.length, 60_000);
    expect(JSON.stringify(deliveries.map((d) => d.body))).not.toContain('\uFFFD');
    for (const v of variants) {
      const delivery = deliveries.find((d) => (d.body.lead as { contact: { phones: string[] } }).contact.phones.includes(v.phone));
      const lead = delivery?.body.lead as { contact: { name?: string }; message?: string; attachments?: unknown[]; fields: Record<string, string> } | undefined;
      expect({ v, name: lead?.contact.name, message: lead?.message }).toEqual({ v, name, message });
      // The `_charset_` plumbing never reaches the CRM; a multipart file arrives as metadata only.
      expect(lead?.fields).toEqual({});
      if (v.format === 'multipart') expect(lead?.attachments).toEqual([{ field: 'plan', name: 'plan.pdf', type: 'application/pdf', size: 13 }]);
    }
  }, 120_000);

  test('text that is not valid in its declared charset is refused with undecodable_text', async () => {
    const cp1251 = percent(iconv.encode(name, 'windows-1251'));
    const res = await post('site', `name=${cp1251}&phone=%2B79160000001`, 'application/x-www-form-urlencoded; charset=utf-8');
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { details: unknown } }).error.details).toEqual({ reason: 'undecodable_text', charset: 'utf-8', field: 'name' });
    // 0x98 is the one byte windows-1251 leaves undefined: decoding it would need U+FFFD.
    const undefinedByte = await post('site', 'name=%98%C8%E2%E0%ED&phone=%2B79160000002', 'application/x-www-form-urlencoded; charset=windows-1251');
    expect(undefinedByte.status).toBe(400);
    expect(((await undefinedByte.json()) as { error: { details: { reason: string } } }).error.details.reason).toBe('undecodable_text');
  });

  test('a JSON field of the wrong type is answered 422 with its JSON pointer', async () => {
    const res = await post('site', JSON.stringify({ name: 'Ivan', phone: '+79160000003', utm: 'x', contact: { email: ['a@example.com', { nested: true }] } }), 'application/json');
    expect(res.status).toBe(422);
    const body = (await res.json()) as { error: { code: string; details: unknown } };
    expect(body.error).toMatchObject({ code: 'VALIDATION_FAILED', details: { reason: 'wrong_type', pointer: '/contact/email/1', expected: 'string', got: 'object' } });
    const name = await post('site', JSON.stringify({ name: ['Ivan', 'Petrov'], phone: '+79160000004' }), 'application/json');
    expect(name.status).toBe(422);
    expect(((await name.json()) as { error: { details: unknown } }).error.details).toMatchObject({ pointer: '/name', got: 'array' });
    const formId = await post('site', JSON.stringify({ name: 'Ivan', formid: { id: 1 }, phone: '+79160000005' }), 'application/json');
    expect(((await formId.json()) as { error: { details: unknown } }).error.details).toMatchObject({ pointer: '/formid', got: 'object' });
  });
});
