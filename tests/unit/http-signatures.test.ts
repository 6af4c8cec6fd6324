import { createHmac } from 'node:crypto';
import { hmac, safeEqual, verifyHmac } from '../../platform/http/signatures.js';

describe('safeEqual', () => {
  it('compares by value, whatever the lengths', () => {
    expect(safeEqual('secret-token', 'secret-token')).toBe(true);
    expect(safeEqual('secret-token', 'secret-tokeN')).toBe(false);
    expect(safeEqual('short', 'a much longer candidate')).toBe(false);
    expect(safeEqual('', '')).toBe(true);
    expect(safeEqual(Buffer.from('abc'), 'abc')).toBe(true);
  });
});

describe('hmac and verifyHmac', () => {
  const body = Buffer.from('{"name":"Anna"}');
  const hex = createHmac('sha256', 'k').update(body).digest('hex');

  it('computes hex and base64 digests', () => {
    expect(hmac('sha256', 'k', body)).toBe(hex);
    expect(hmac('sha256', 'k', body, 'base64')).toBe(createHmac('sha256', 'k').update(body).digest('base64'));
  });

  it('accepts the right signature with its prefix, in either hex case', () => {
    expect(verifyHmac({ secret: 'k', data: body, signature: `sha256=${hex}`, prefix: 'sha256=' })).toBe(true);
    expect(verifyHmac({ secret: 'k', data: body, signature: `SHA256=${hex.toUpperCase()}`, prefix: 'sha256=' })).toBe(true);
  });

  it('rejects a wrong, missing, unprefixed or truncated signature', () => {
    expect(verifyHmac({ secret: 'other', data: body, signature: `sha256=${hex}`, prefix: 'sha256=' })).toBe(false);
    expect(verifyHmac({ secret: 'k', data: body, signature: undefined })).toBe(false);
    expect(verifyHmac({ secret: 'k', data: body, signature: hex, prefix: 'sha256=' })).toBe(false);
    expect(verifyHmac({ secret: 'k', data: body, signature: `sha256=${hex.slice(0, 10)}`, prefix: 'sha256=' })).toBe(false);
  });

  it('is computed over the raw bytes: a re-serialised body does not verify', () => {
    const reserialised = Buffer.from(JSON.stringify(JSON.parse(' { "name" : "Anna" } ')));
    const spaced = Buffer.from(' { "name" : "Anna" } ');
    const sig = `sha256=${hmac('sha256', 'k', spaced)}`;
    expect(verifyHmac({ secret: 'k', data: reserialised, signature: sig, prefix: 'sha256=' })).toBe(false);
    expect(verifyHmac({ secret: 'k', data: spaced, signature: sig, prefix: 'sha256=' })).toBe(true);
  });
});
