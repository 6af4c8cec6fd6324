import fc from 'fast-check';
import type { RawRequest } from './fuzz-client.js';

/**
 * A hostile change to a request's bytes or headers, applied before the credentials are computed, so a
 * case can be "correctly signed garbage" (the parser is reached) as well as "unsigned garbage".
 * `effectiveBody` is what the server will actually read when the framing lies (short Content-Length).
 */
export interface Mutation {
  label: string;
  apply(req: RawRequest): RawRequest;
}

export interface MutatedRequest extends RawRequest {
  /** The bytes the server reads as the body; differs from `body` when Content-Length is short. */
  effectiveBody?: Buffer;
}

const KiB = 1024;

function setHeader(headers: [string, string][], name: string, value: string | undefined): [string, string][] {
  const out = headers.filter(([n]) => n.toLowerCase() !== name.toLowerCase());
  if (value !== undefined) out.push([name, value]);
  return out;
}

/** windows-1251 for the Cyrillic block, ASCII as is, '?' for anything else: what a legacy PHP site sends. */
export function encodeCp1251(text: string): Buffer {
  const out: number[] = [];
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0x3f;
    if (code < 0x80) out.push(code);
    else if (code >= 0x410 && code <= 0x44f) out.push(code - 0x410 + 0xc0);
    else if (code === 0x401) out.push(0xa8);
    else if (code === 0x451) out.push(0xb8);
    else out.push(0x3f);
  }
  return Buffer.from(out);
}

const weirdContentTypes = [
  'text/plain',
  'application/xml',
  'text/html; charset=utf-8',
  'application/json; charset=koi8-r',
  'application/json; charset=x-bogus-charset',
  'application/x-www-form-urlencoded; charset=x-bogus-charset',
  'application/x-www-form-urlencoded; charset=windows-1251',
  'multipart/form-data',
  'multipart/form-data; boundary=',
  'multipart/form-data; boundary=zzz',
  'application/vnd.api+json',
  ';;;',
  'application/json; charset="utf-8',
  '*/*',
];

const jsonWith = (inner: string): Buffer => Buffer.from(`{"name":"Fuzz","phone":"+79990001122","update_id":1,"callId":"c","a":${inner}}`);

/** Every mutation kind, weighted so roughly a fifth of cases are left intact (the accepted path). */
export function mutationArb(): fc.Arbitrary<Mutation> {
  const none = fc.constant<Mutation>({ label: 'none', apply: (r) => r });
  const truncated = fc.double({ min: 0, max: 0.999, noNaN: true }).map<Mutation>((f) => ({
    label: 'truncated',
    apply: (r) => ({ ...r, body: r.body.subarray(0, Math.floor(r.body.length * f)) }),
  }));
  const randomBytes = fc.uint8Array({ maxLength: 4 * KiB }).map<Mutation>((bytes) => ({
    label: 'random-bytes',
    apply: (r) => ({ ...r, body: Buffer.from(bytes) }),
  }));
  const invalidUtf8 = fc
    .tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.constantFrom([0xff], [0xc3, 0x28], [0x80], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xe2, 0x82]))
    .map<Mutation>(([f, bad]) => ({
      label: 'invalid-utf8',
      apply: (r) => {
        const at = Math.floor(r.body.length * f);
        return { ...r, body: Buffer.concat([r.body.subarray(0, at), Buffer.from(bad), r.body.subarray(at)]) };
      },
    }));
  const cp1251 = fc.boolean().map<Mutation>((declare) => ({
    label: 'windows-1251',
    apply: (r) => {
      const body = encodeCp1251(`${r.body.toString('utf8')}`.replace(/Fuzz/g, 'Привет Ёлка'));
      const ct = r.headers.find(([n]) => n.toLowerCase() === 'content-type')?.[1];
      const headers = declare && ct ? setHeader(r.headers, 'Content-Type', `${ct.split(';')[0]}; charset=windows-1251`) : r.headers;
      return { ...r, headers, body };
    },
  }));
  const contentType = fc.option(fc.oneof(fc.constantFrom(...weirdContentTypes), fc.string({ maxLength: 60 })), { nil: undefined }).map<Mutation>((ct) => ({
    label: ct === undefined ? 'missing-content-type' : 'wrong-content-type',
    apply: (r) => ({ ...r, headers: setHeader(r.headers, 'Content-Type', ct?.replace(/[\r\n]/g, ' ')) }),
  }));
  const deep = fc.tuple(fc.integer({ min: 50, max: 150_000 }), fc.boolean()).map<Mutation>(([depth, arrays]) => ({
    label: 'deep-json',
    apply: (r) => ({
      ...r,
      headers: setHeader(r.headers, 'Content-Type', 'application/json'),
      body: jsonWith(arrays ? `${'['.repeat(depth)}${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`),
    }),
  }));
  const large = fc.integer({ min: 100 * KiB, max: 400 * KiB }).map<Mutation>((size) => ({
    label: 'large-json',
    apply: (r) => ({
      ...r,
      headers: setHeader(r.headers, 'Content-Type', 'application/json'),
      body: jsonWith(`[${Array.from({ length: Math.floor(size / 12) }, (_, i) => `"v${i}"`).join(',')}]`),
    }),
  }));
  const duplicateKeys = fc.tuple(fc.json(), fc.nat(20)).map<Mutation>(([value, pick]) => ({
    label: 'duplicate-keys',
    apply: (r) => {
      const text = r.body.toString('utf8');
      const keys = [...text.matchAll(/"([A-Za-z_]+)"\s*:/g)].map((m) => m[1]);
      const form = [...text.matchAll(/(?:^|&)([^=&]+)=/g)].map((m) => m[1]);
      if (text.trimStart().startsWith('{') && keys.length > 0) {
        const key = keys[pick % keys.length] ?? 'name';
        const at = text.indexOf('{') + 1;
        return { ...r, body: Buffer.from(`${text.slice(0, at)}"${key}":${value},${text.slice(at)}`) };
      }
      const key = form[pick % Math.max(form.length, 1)] ?? 'name';
      return { ...r, body: Buffer.from(`${text}&${key}=${encodeURIComponent(value)}`) };
    },
  }));
  const hugeHeader = fc.integer({ min: 8 * KiB, max: 96 * KiB }).map<Mutation>((size) => ({
    label: 'huge-header',
    apply: (r) => ({ ...r, headers: [...r.headers, ['X-Fuzz', 'h'.repeat(size)]] }),
  }));
  const manyHeaders = fc.integer({ min: 100, max: 3000 }).map<Mutation>((count) => ({
    label: 'many-headers',
    apply: (r) => ({ ...r, headers: [...r.headers, ...Array.from({ length: count }, (_, i): [string, string] => [`X-F${i}`, 'v'])] }),
  }));
  const badHeaderBytes = fc.constantFrom('\u0000', '\u0001x', 'a\u007fb', '\u00ff\u00fe', 'x\ry').map<Mutation>((value) => ({
    label: 'bad-header-bytes',
    apply: (r) => ({ ...r, headers: [...r.headers, ['X-Fuzz', value]] }),
  }));
  const jsonGarbage = fc.jsonValue().map<Mutation>((value) => ({
    label: 'json-garbage',
    apply: (r) => ({ ...r, headers: setHeader(r.headers, 'Content-Type', 'application/json'), body: Buffer.from(JSON.stringify(value) ?? 'null') }),
  }));
  const encoding = fc.constantFrom('gzip', 'br', 'deflate', 'x-fuzz', 'identity, gzip').map<Mutation>((enc) => ({
    label: 'content-encoding',
    apply: (r) => ({ ...r, headers: setHeader(r.headers, 'Content-Encoding', enc) }),
  }));
  const methodPath = fc.tuple(fc.constantFrom('PUT', 'DELETE', 'PATCH', 'GET', 'POST', 'HEAD'), fc.constantFrom('', '/x', '/../../admin', '/%2e%2e/', '/events/%ff', '/?a=%zz', '/?token[]=1&token=2')).map<Mutation>(([method, suffix]) => ({
    label: 'method-path',
    apply: (r) => {
      const [path = '', query] = r.path.split('?');
      const joined = suffix.startsWith('/?') ? `${path}${suffix.slice(1)}` : `${path.replace(/\/$/, '')}${suffix}${query ? `?${query}` : ''}`;
      return { ...r, method, path: joined };
    },
  }));
  const chunked = fc.integer({ min: 1, max: 64 }).map<Mutation>((size) => ({
    label: 'chunked',
    apply: (r) => {
      const parts: Buffer[] = [];
      for (let at = 0; at < r.body.length; at += size) {
        const piece = r.body.subarray(at, at + size);
        parts.push(Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n'));
      }
      parts.push(Buffer.from('0\r\n\r\n'));
      const wire: MutatedRequest = { ...r, headers: [...r.headers, ['Transfer-Encoding', 'chunked']], body: Buffer.concat(parts), noContentLength: true, effectiveBody: r.body };
      return wire;
    },
  }));
  const shortLength = fc.double({ min: 0, max: 0.999, noNaN: true }).map<Mutation>((f) => ({
    label: 'short-content-length',
    apply: (r) => {
      const length = Math.floor(r.body.length * f);
      const wire: MutatedRequest = { ...r, headers: [...r.headers, ['Content-Length', String(length)]], noContentLength: true, effectiveBody: r.body.subarray(0, length) };
      return wire;
    },
  }));
  return fc.oneof(
    { arbitrary: none, weight: 12 },
    { arbitrary: truncated, weight: 4 },
    { arbitrary: randomBytes, weight: 3 },
    { arbitrary: invalidUtf8, weight: 4 },
    { arbitrary: cp1251, weight: 3 },
    { arbitrary: contentType, weight: 4 },
    { arbitrary: deep, weight: 3 },
    { arbitrary: large, weight: 2 },
    { arbitrary: duplicateKeys, weight: 4 },
    { arbitrary: hugeHeader, weight: 2 },
    { arbitrary: manyHeaders, weight: 1 },
    { arbitrary: badHeaderBytes, weight: 2 },
    { arbitrary: jsonGarbage, weight: 3 },
    { arbitrary: encoding, weight: 2 },
    { arbitrary: methodPath, weight: 3 },
    { arbitrary: chunked, weight: 3 },
    { arbitrary: shortLength, weight: 2 },
  );
}

export { setHeader };
