import { connect } from 'node:net';
import { connectorPlugins } from '../../connectors/registry.js';
import { listen, type ListeningServer } from '../../gateway/server.js';
import { buildTestGateway } from '../support/connector-conformance.js';
import { parseRawResponse, type RawResponse } from '../support/fuzz-client.js';
import { bodyLimitCases, paddedBody, webhookKinds } from '../support/webhook-limit-cases.js';

/**
 * A body far over the limit, uploaded over a real socket by a client that does not wait for `100 Continue`.
 * The gateway may refuse it on its headers, but if it closed the socket while the bytes were still
 * arriving, the kernel would answer them with a reset: the client sees a broken upload (EPIPE) instead
 * of the 413, and a provider retries. The upload must end cleanly and the 413 be read, every time.
 */
const LIMIT = 4096;
const OVERSIZE = 1024 * 1024;
const SLICE = 64 * 1024;
const SLICE_GAP_MS = 5;
const ROUNDS = 2;

/**
 * Writes the request in slices a few milliseconds apart, like an upload over a real network, and reads
 * the answer. A write that fails (EPIPE, reset) is a failed exchange even if some bytes came back: curl
 * and most HTTP clients report the broken upload and never show the answer.
 */
function exchange(port: number, wire: Buffer): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let failure: Error | undefined;
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', (err) => {
      failure ??= err;
    });
    socket.on('close', () => {
      if (failure) {
        reject(new Error(`upload broken: ${(failure as NodeJS.ErrnoException).code ?? failure.message}`));
        return;
      }
      if (offset < wire.length) {
        reject(new Error(`closed by the server after ${offset} of ${wire.length} bytes`));
        return;
      }
      try {
        resolve(parseRawResponse(Buffer.concat(chunks)));
      } catch (err) {
        reject(err as Error);
      }
    });
    let offset = 0;
    socket.on('connect', () => {
      const next = (): void => {
        if (failure || socket.destroyed || offset >= wire.length) return;
        const slice = wire.subarray(offset, offset + SLICE);
        offset += slice.length;
        socket.write(slice, () => setTimeout(next, SLICE_GAP_MS));
      };
      next();
    });
  });
}

function wireRequest(path: string, headers: Record<string, string>, body: string, chunked: boolean): Buffer {
  const lines = [`POST ${path} HTTP/1.1`, 'Host: 127.0.0.1', 'Connection: close'];
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  const bytes = Buffer.from(body, 'utf8');
  if (!chunked) lines.push(`Content-Length: ${bytes.length}`);
  else lines.push('Transfer-Encoding: chunked');
  const payload = chunked ? Buffer.concat([Buffer.from(`${bytes.length.toString(16)}\r\n`), bytes, Buffer.from('\r\n0\r\n\r\n')]) : bytes;
  return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), payload]);
}

describe('an oversized body on the wire gets its 413 read, not a reset', () => {
  const servers: ListeningServer[] = [];
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.shutdown(AbortSignal.timeout(0))));
  });

  it.each(webhookKinds)('%s', async (kind) => {
    const c = bodyLimitCases[kind];
    const plugin = connectorPlugins.get(kind);
    if (!c || !plugin) throw new Error(`no body-limit case for ${kind}`);
    const id = `wire-${kind}`;
    const gw = buildTestGateway([{ plugin, config: { id, ...c.config } }], { bodyLimitBytes: LIMIT });
    const server = await listen(gw.app, { host: '127.0.0.1', port: 0 });
    servers.push(server);
    const query = c.query ? `?${new URLSearchParams(c.query).toString()}` : '';
    const path = `/v1/hooks/${id}${c.path ?? ''}${query}`;
    const body = paddedBody(c, OVERSIZE);
    const statuses: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      for (const chunked of [false, true]) {
        const res = await exchange(server.boundAddress().port, wireRequest(path, { 'Content-Type': c.contentType, ...c.headers }, body, chunked)).then(
          (r) => `${r.status} ${(JSON.parse(r.body.toString('utf8')) as { error?: { code?: string } }).error?.code ?? ''}`,
          (err: Error) => err.message,
        );
        statuses.push(res);
      }
    }
    expect(statuses).toEqual(Array.from({ length: ROUNDS * 2 }, () => '413 PAYLOAD_TOO_LARGE'));
  });
});
