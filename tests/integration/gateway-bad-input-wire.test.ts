import { connect } from 'node:net';
import type { RunningPipeline } from '../../bin/pipeline.js';
import { FUZZ_SECRETS } from '../support/fuzz-endpoints.js';
import { parseRawResponse, sendRaw, type RawResponse } from '../support/fuzz-client.js';
import { createTestEnvironment, type TestEnvironment } from '../support/pipeline-harness.js';

/**
 * The reported hostile requests, byte for byte over a raw socket, against the real gateway on the embedded
 * store and log: each must get a prompt 4xx with a machine-readable reason and leave the process serving.
 */
const boundary = 'XyZ';
const mp = (body: string): { headers: [string, string][]; body: Buffer } => ({
  headers: [['Content-Type', `multipart/form-data; boundary=${boundary}`]],
  body: Buffer.from(body, 'utf8'),
});
const cutFile = `--${boundary}\r\nContent-Disposition: form-data; name="phone"\r\n\r\n+79990001122\r\n--${boundary}\r\nContent-Disposition: form-data; name="f"; filename="a.txt"\r\nContent-Type: text/plain\r\n\r\nhello`;

/** Writes bytes and reads until the server closes; never sends FIN itself (a half-close aborts the request). */
function rawExchange(port: number, wire: string, timeoutMs = 90_000): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('close', () => {
      clearTimeout(timer);
      try {
        resolve(parseRawResponse(Buffer.concat(chunks)));
      } catch (err) {
        reject(err as Error);
      }
    });
    socket.on('error', () => undefined);
    socket.on('connect', () => socket.write(Buffer.from(wire, 'latin1')));
  });
}

const errorOf = (res: RawResponse): { code?: string; details?: Record<string, unknown> } =>
  (JSON.parse(res.body.toString('utf8')) as { error: { code?: string; details?: Record<string, unknown> } }).error;

const chunkedHead = (path: string): string =>
  `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`;

describe('gateway on the wire: hostile requests get a prompt 4xx, never a crash or a 503', () => {
  let env: TestEnvironment;
  let pipeline: RunningPipeline;
  let port: number;

  beforeAll(async () => {
    env = await createTestEnvironment('embedded', {
      // Far above the exchange's wait: an answer that only the request timeout would produce fails the test.
      server: { requestTimeoutMs: 180_000 },
      connectors: [
        { id: 'site', kind: 'forms' },
        { id: 'calls', kind: 'call-webhook', secret: FUZZ_SECRETS.callToken },
      ],
    });
    pipeline = await env.start(['gateway']);
    port = pipeline.port as number;
  });
  afterAll(() => env.cleanup());

  const expectServing = async (): Promise<void> => {
    const res = await fetch(`http://127.0.0.1:${port}/health`);
    expect(res.status).toBe(200);
  };

  it.each([
    ['forms', '/v1/hooks/site'],
    ['call webhook', `/v1/hooks/calls?token=${FUZZ_SECRETS.callToken}`],
  ])('a multipart body whose file part is cut off → 400 (%s)', async (_name, path) => {
    const res = await sendRaw(port, { method: 'POST', path, ...mp(cutFile) });
    expect(res.status).toBe(400);
    expect(errorOf(res)).toMatchObject({ code: 'BAD_REQUEST', details: { reason: 'malformed_multipart' } });
    await expectServing();
  });

  it('a multipart field name that cannot be decoded → 400 with a reason', async () => {
    const body = `--${boundary}\r\nContent-Disposition: form-data; name*=UTF-8''%FF%FE\r\n\r\nx\r\n--${boundary}\r\nContent-Disposition: form-data; name="phone"\r\n\r\n+79990001122\r\n--${boundary}--\r\n`;
    const res = await sendRaw(port, { method: 'POST', path: '/v1/hooks/site', ...mp(body) });
    expect(res.status).toBe(400);
    expect(errorOf(res)).toMatchObject({ code: 'BAD_REQUEST', details: { reason: 'malformed_multipart' } });
    await expectServing();
  });

  it.each([
    ['a NUL in a JSON value', '{"name":"An\\u0000na","phone":"+79990001122"}', 'application/json', 'payload.name', 'nul'],
    ['a lone surrogate in a JSON value', '{"name":"An\\ud800na","phone":"+79990001122"}', 'application/json', 'payload.name', 'lone_surrogate'],
    ['a lone surrogate in a JSON key', '{"x\\udc00":"1","phone":"+79990001122"}', 'application/json', 'payload["x\ufffd"]', 'lone_surrogate'],
    ['a NUL in a form field', 'name=An%00na&phone=%2B79990001122', 'application/x-www-form-urlencoded', 'payload.name', 'nul'],
  ])('%s → 422 invalid_text naming the field, not 503', async (_name, body, type, field, problem) => {
    const res = await sendRaw(port, { method: 'POST', path: '/v1/hooks/site', headers: [['Content-Type', type]], body: Buffer.from(body) });
    expect(res.status).toBe(422);
    expect(res.headers['retry-after']).toBeUndefined();
    const error = errorOf(res);
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.details).toMatchObject({ reason: 'invalid_text', problem });
    expect(String(error.details?.field)).toContain(field.replace('payload.', ''));
  });

  it('a bad chunk size → a prompt 400 malformed_http', async () => {
    const res = await rawExchange(port, `${chunkedHead('/v1/hooks/site')}zz\r\n{}\r\n0\r\n\r\n`);
    expect(res.status).toBe(400);
    expect(errorOf(res)).toMatchObject({ code: 'BAD_REQUEST', details: { reason: 'malformed_http' } });
    await expectServing();
  });

  it('a 20 KB chunk extension → a prompt 413 chunk_extensions_too_large', async () => {
    const res = await rawExchange(port, `${chunkedHead('/v1/hooks/site')}2;${'e'.repeat(20_000)}\r\n{}\r\n0\r\n\r\n`);
    expect(res.status).toBe(413);
    expect(errorOf(res)).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', details: { reason: 'chunk_extensions_too_large' } });
    await expectServing();
  });

  it('a chunked body cut off by the client closing is not answered 5xx and the process keeps serving', async () => {
    const socket = connect(port, '127.0.0.1');
    await new Promise<void>((resolve) => socket.on('connect', () => resolve()));
    socket.write(`${chunkedHead('/v1/hooks/site')}10\r\n{"name":`);
    socket.destroy();
    await expectServing();
  });
});
