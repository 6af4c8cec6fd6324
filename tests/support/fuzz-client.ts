import { connect } from 'node:net';

/**
 * A request written byte for byte onto a fresh socket: header names and values go out as latin1, so a
 * case can send what `fetch`/`http.request` refuse to (raw 0x80+ bytes, duplicate headers, no
 * Content-Type, a lying Content-Length).
 */
export interface RawRequest {
  method: string;
  /** Path and query, already encoded as the case wants them on the wire. */
  path: string;
  headers: [string, string][];
  body: Buffer;
  /** Leave out the Content-Length the client would otherwise add (the case supplies its own or none). */
  noContentLength?: boolean;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

function dechunk(data: Buffer): Buffer {
  const out: Buffer[] = [];
  let at = 0;
  while (at < data.length) {
    const eol = data.indexOf('\r\n', at);
    if (eol === -1) break;
    const size = parseInt(data.subarray(at, eol).toString('latin1'), 16);
    if (!Number.isFinite(size) || size === 0) break;
    out.push(data.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
  return Buffer.concat(out);
}

export function parseRawResponse(data: Buffer): RawResponse {
  const split = data.indexOf('\r\n\r\n');
  if (split === -1) throw new Error(`incomplete HTTP response (${data.length} bytes): ${data.subarray(0, 200).toString('latin1')}`);
  const [statusLine = '', ...lines] = data.subarray(0, split).toString('latin1').split('\r\n');
  const status = Number(statusLine.split(' ')[1]);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  let body = data.subarray(split + 4);
  if (headers['transfer-encoding']?.toLowerCase() === 'chunked') body = dechunk(body);
  else if (headers['content-length'] !== undefined) body = body.subarray(0, Number(headers['content-length']));
  return { status, headers, body };
}

export function serializeRequest(req: RawRequest): Buffer {
  const lines = [`${req.method} ${req.path} HTTP/1.1`, 'Host: 127.0.0.1', 'Connection: close'];
  for (const [name, value] of req.headers) lines.push(`${name}: ${value}`);
  if (!req.noContentLength) lines.push(`Content-Length: ${req.body.length}`);
  return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), req.body]);
}

/**
 * Sends one request and reads until the server closes (`Connection: close`). A server that answers
 * early (413) and closes while the body is still being written produces EPIPE/ECONNRESET on our side;
 * that is fine as long as a response arrived.
 */
export function sendRaw(port: number, req: RawRequest, timeoutMs = 15_000): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let settled = false;
    const settle = (err?: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      const data = Buffer.concat(chunks);
      if (data.length > 0) {
        try {
          resolve(parseRawResponse(data));
          return;
        } catch (parseErr) {
          reject(parseErr as Error);
          return;
        }
      }
      reject(err ?? new Error('the server closed the connection without answering'));
    };
    const timer = setTimeout(() => settle(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('end', () => settle());
    socket.on('close', () => settle());
    socket.on('error', (err) => settle(err));
    // write, not end: a half-closed client makes Node abort the request in flight.
    socket.on('connect', () => socket.write(serializeRequest(req)));
  });
}
