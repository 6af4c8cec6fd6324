import { PassThrough } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import fc from 'fast-check';
import { LeadgateError } from '../../contracts/errors.js';
import { parseBody, parseContentType, readRawBody } from '../../platform/http/body-reader.js';

function codeOf(promise: Promise<unknown>): Promise<string> {
  return promise.then(
    () => 'resolved',
    (err: unknown) => (err instanceof LeadgateError ? err.code : `not a LeadgateError: ${String(err)}`),
  );
}

function fakeRequest(chunks: Buffer[], headers: Record<string, string> = {}): IncomingMessage {
  const stream = new PassThrough();
  Object.assign(stream, { headers });
  setImmediate(() => {
    for (const c of chunks) stream.write(c);
    stream.end();
  });
  return stream as unknown as IncomingMessage;
}

describe('parseBody', () => {
  it('parses a JSON object and keeps the raw bytes', async () => {
    const raw = Buffer.from('{"b":1,"a":"x"}');
    const body = await parseBody(raw, 'application/json; charset=utf-8');
    expect(body.fields).toEqual({ b: 1, a: 'x' });
    expect(body.raw.equals(raw)).toBe(true);
    expect(body.format).toBe('json');
  });

  it('refuses malformed JSON with BAD_REQUEST and non-object JSON with VALIDATION_FAILED', async () => {
    expect(await codeOf(parseBody(Buffer.from('{"a":'), 'application/json'))).toBe('BAD_REQUEST');
    expect(await codeOf(parseBody(Buffer.from('[1,2]'), 'application/json'))).toBe('VALIDATION_FAILED');
    expect(await codeOf(parseBody(Buffer.from('"text"'), 'application/json'))).toBe('VALIDATION_FAILED');
    expect(await codeOf(parseBody(Buffer.from(''), 'application/json'))).toBe('BAD_REQUEST');
  });

  it('refuses unknown content types and unknown charsets with UNSUPPORTED_MEDIA_TYPE', async () => {
    expect(await codeOf(parseBody(Buffer.from('<a/>'), 'text/xml'))).toBe('UNSUPPORTED_MEDIA_TYPE');
    expect(await codeOf(parseBody(Buffer.from('a=b'), undefined))).toBe('UNSUPPORTED_MEDIA_TYPE');
    expect(await codeOf(parseBody(Buffer.from('a=b'), 'application/x-www-form-urlencoded; charset=klingon'))).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('treats an empty body without a type as no fields', async () => {
    expect((await parseBody(Buffer.alloc(0), undefined)).fields).toEqual({});
  });

  it('collects repeated keys and name[] keys into arrays', async () => {
    const body = await parseBody(Buffer.from('phone=1&phone=2&tag[]=a&one=x&__proto__=p'), 'application/x-www-form-urlencoded');
    expect(body.fields).toEqual({ phone: ['1', '2'], tag: ['a'], one: 'x' });
  });

  it('decodes windows-1251 when declared, and falls back to it when UTF-8 is invalid and nothing is declared', async () => {
    const cp1251 = Buffer.from('name=%C8%E2%E0%ED');
    expect((await parseBody(cp1251, 'application/x-www-form-urlencoded; charset=windows-1251')).fields).toEqual({ name: 'Иван' });
    expect((await parseBody(cp1251, 'application/x-www-form-urlencoded')).fields).toEqual({ name: 'Иван' });
    const utf8 = Buffer.from('name=%D0%98%D0%B2%D0%B0%D0%BD');
    expect((await parseBody(utf8, 'application/x-www-form-urlencoded')).fields).toEqual({ name: 'Иван' });
  });

  it('round-trips any urlencoded form the browser would produce', async () => {
    const key = fc.string({ minLength: 1, maxLength: 12 }).filter((k) => !k.endsWith('[]') && !['__proto__', 'constructor', 'prototype'].includes(k));
    await fc.assert(
      fc.asyncProperty(fc.dictionary(key, fc.string({ maxLength: 30 }), { maxKeys: 8 }), async (dict) => {
        const raw = Buffer.from(new URLSearchParams(dict).toString());
        const body = await parseBody(raw, 'application/x-www-form-urlencoded');
        expect(body.fields).toEqual(dict);
      }),
      { numRuns: 200 },
    );
  });

  it('reads multipart fields and only describes files', async () => {
    const b = 'XyZ';
    const raw = Buffer.from(
      `--${b}\r\nContent-Disposition: form-data; name="name"\r\n\r\nAnna\r\n` +
        `--${b}\r\nContent-Disposition: form-data; name="cv"; filename="cv.txt"\r\nContent-Type: text/plain\r\n\r\n${'x'.repeat(5000)}\r\n` +
        `--${b}--\r\n`,
    );
    const body = await parseBody(raw, `multipart/form-data; boundary=${b}`);
    expect(body.fields).toEqual({ name: 'Anna' });
    expect(body.files).toEqual([{ field: 'cv', filename: 'cv.txt', mimeType: 'text/plain', sizeBytes: 5000 }]);
  });

  it('refuses multipart without a boundary with BAD_REQUEST', async () => {
    expect(await codeOf(parseBody(Buffer.from('x'), 'multipart/form-data'))).toBe('BAD_REQUEST');
  });

  it('parses content types with parameters and quotes', () => {
    expect(parseContentType('Multipart/Form-Data; boundary="a b"; charset=UTF-8')).toEqual({
      mediaType: 'multipart/form-data',
      params: { boundary: 'a b', charset: 'UTF-8' },
    });
  });
});

describe('readRawBody', () => {
  it('refuses a declared oversize body before reading it', async () => {
    expect(await codeOf(readRawBody(fakeRequest([Buffer.alloc(10)], { 'content-length': '2000' }), 1000))).toBe('PAYLOAD_TOO_LARGE');
  });

  it('cuts off an undeclared (chunked) body at the limit', async () => {
    const chunks = Array.from({ length: 10 }, () => Buffer.alloc(200, 0x61));
    expect(await codeOf(readRawBody(fakeRequest(chunks), 1000))).toBe('PAYLOAD_TOO_LARGE');
  });

  it('returns the exact bytes under the limit', async () => {
    const raw = await readRawBody(fakeRequest([Buffer.from('ab'), Buffer.from('cd')]), 1000);
    expect(raw.toString()).toBe('abcd');
  });
});
