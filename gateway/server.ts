import { createServer, type RequestListener, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { LeadgateError } from '../contracts/errors.js';
import { failRequestBody } from '../platform/http/body-reader.js';

export interface ListenOptions {
  host: string;
  /** 0 picks a free port (tests). */
  port: number;
  /** Time allowed to receive the request headers; bounds slowloris-style clients. Default 10 s. */
  headersTimeoutMs?: number;
  /** Time allowed to receive the whole request, body included. Default 30 s. */
  requestTimeoutMs?: number;
  /**
   * Idle time before a keep-alive socket is closed. Default 5 s. Behind a load balancer set it above the
   * balancer's idle timeout, or the balancer may reuse a socket Node is closing and answer 502.
   */
  keepAliveTimeoutMs?: number;
  /** Sockets beyond this are refused instead of exhausting memory. Default 1024. */
  maxConnections?: number;
  /** How long `close` lets in-flight requests finish before cutting connections. Default 10 s. */
  shutdownGraceMs?: number;
}

/** The listening node server, plus a graceful shutdown. */
export interface ListeningServer extends Server {
  /** Stops accepting, lets in-flight requests finish within the grace period, then cuts the rest. Idempotent. */
  shutdown(): Promise<void>;
  /** The bound address (useful with port 0). */
  boundAddress(): AddressInfo;
}

export async function listen(app: RequestListener, options: ListenOptions): Promise<ListeningServer> {
  const headersTimeout = options.headersTimeoutMs ?? 10_000;
  const requestTimeout = Math.max(options.requestTimeoutMs ?? 30_000, headersTimeout);
  // Node enforces both timeouts only when it sweeps its connections, every 30 s by default: a slowloris
  // socket would outlive a 10 s headersTimeout threefold. Sweeping at a quarter of the timeout bounds that.
  const connectionsCheckingInterval = Math.max(100, Math.min(1_000, Math.floor(headersTimeout / 4)));
  const server = createServer({ headersTimeout, requestTimeout, connectionsCheckingInterval }, app);
  server.keepAliveTimeout = options.keepAliveTimeoutMs ?? 5_000;
  server.maxConnections = options.maxConnections ?? 1024;
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => answerClientError(err, socket, requestTimeout));

  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    server.once('error', onError);
    server.listen(options.port, options.host, () => {
      server.off('error', onError);
      resolve();
    });
  });

  const graceMs = options.shutdownGraceMs ?? 10_000;
  let closing: Promise<void> | undefined;
  let draining = false;
  // While draining, every answer says `Connection: close`: a client must not send its next request on a
  // keep-alive socket the server is about to close (that request would meet a reset, not an answer).
  server.prependListener('request', (_req, res: ServerResponse) => {
    if (draining && !res.headersSent) res.setHeader('connection', 'close');
  });
  // Before the listener closes, keep-alive clients get one more answer saying `Connection: close`, so
  // few sockets are left idle for the close to cut while their client is writing the next request.
  const settleMs = Math.min(1_000, Math.floor(graceMs / 10));
  const shutdown = (): Promise<void> => {
    draining = true;
    closing ??= new Promise<void>((r) => setTimeout(r, settleMs)).then(() => new Promise<void>((resolve) => {
      const timer = setTimeout(() => server.closeAllConnections(), graceMs);
      timer.unref();
      // A keep-alive socket turns idle when its in-flight response ends; sweeping often lets `close` finish
      // then instead of waiting out the client's keep-alive.
      const sweep = setInterval(() => server.closeIdleConnections(), 50);
      sweep.unref();
      server.close(() => {
        clearTimeout(timer);
        clearInterval(sweep);
        resolve();
      });
      server.closeIdleConnections();
    }));
    return closing;
  };

  return Object.assign(server, { shutdown, boundAddress: () => server.address() as AddressInfo });
}

/** Closes the socket once the in-flight response is out, or after `graceMs` if it never is. */
function closeAfter(inFlight: ServerResponse, socket: Socket, graceMs: number): void {
  const guard = setTimeout(() => socket.destroy(), graceMs);
  guard.unref();
  inFlight.once('close', () => {
    clearTimeout(guard);
    // end, not destroy: the answer may still sit in the socket's write buffer.
    socket.end();
    setTimeout(() => socket.destroy(), 1_000).unref();
  });
}

/** What Node's parser and timers report, as the gateway's JSON error shape (status, code, reason). */
function clientErrorAnswer(code: string | undefined): { status: number; reason: string; errorCode: 'BAD_REQUEST' | 'PAYLOAD_TOO_LARGE' } {
  if (code === 'HPE_HEADER_OVERFLOW') return { status: 431, reason: 'headers_too_large', errorCode: 'PAYLOAD_TOO_LARGE' };
  if (code === 'HPE_CHUNK_EXTENSIONS_OVERFLOW') return { status: 413, reason: 'chunk_extensions_too_large', errorCode: 'PAYLOAD_TOO_LARGE' };
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return { status: 408, reason: 'request_timeout', errorCode: 'BAD_REQUEST' };
  return { status: 400, reason: 'malformed_http', errorCode: 'BAD_REQUEST' };
}

const statusText: Record<number, string> = { 400: 'Bad Request', 408: 'Request Timeout', 413: 'Payload Too Large', 431: 'Request Header Fields Too Large' };

/**
 * Replaces Node's default `clientError` reply (a bare 400/408/431 with no body) with the gateway's JSON
 * error, so a caller gets a machine-readable `error.code` even when express never saw the request.
 * When bytes that do not parse follow a complete request on the same socket (pipelining, a short
 * Content-Length), that request is already being handled and may already be durable: it is allowed to
 * answer first, then the socket closes, instead of the answer being replaced by a 400.
 */
function answerClientError(err: NodeJS.ErrnoException, socket: Socket, graceMs: number): void {
  if (err.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  // Node keeps the response in flight on the socket; it is not in the public typings.
  const inFlight = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage;
  if (inFlight && !inFlight.writableFinished && !inFlight.req.complete) {
    // The parser gave up inside this request's own body: its reader is failed so the handler answers the
    // 4xx now, instead of waiting for a body end that will never come.
    inFlight.shouldKeepAlive = false;
    const answer = clientErrorAnswer(err.code);
    failRequestBody(inFlight.req, new LeadgateError(answer.errorCode, 'The HTTP request body could not be read', { details: { reason: answer.reason } }));
    closeAfter(inFlight, socket, graceMs);
    return;
  }
  if (inFlight && !inFlight.writableFinished) {
    inFlight.shouldKeepAlive = false;
    closeAfter(inFlight, socket, graceMs);
    return;
  }
  if (inFlight) {
    socket.destroy();
    return;
  }
  const answer = clientErrorAnswer(err.code);
  const body = JSON.stringify({ error: { code: answer.errorCode, message: 'The HTTP request could not be read', details: { reason: answer.reason } } });
  socket.end(
    `HTTP/1.1 ${answer.status} ${statusText[answer.status] ?? 'Bad Request'}\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
  // end() waits for the peer's FIN; a hostile client that never closes must not keep the socket.
  setTimeout(() => socket.destroy(), 1_000).unref();
}
