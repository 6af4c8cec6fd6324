import { createServer, type RequestListener, type Server, type ServerResponse } from 'node:http';
import { Server as NetServer, type AddressInfo, type Socket } from 'node:net';
import { LeadgateError, type ErrorCode } from '../contracts/errors.js';
import { failRequestBody } from '../platform/http/body-reader.js';
import { drainRequest } from '../platform/http/request-drain.js';

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
  /**
   * Says `Connection: close` on every answer from now on, stops accepting after a short settle, lets
   * in-flight requests finish, and cuts what is still open when `deadline` aborts (default: after
   * `shutdownGraceMs`). Idempotent.
   */
  shutdown(deadline?: AbortSignal): Promise<void>;
  /** The bound address (useful with port 0). */
  boundAddress(): AddressInfo;
}

export async function listen(app: RequestListener, options: ListenOptions): Promise<ListeningServer> {
  const headersTimeout = options.headersTimeoutMs ?? 10_000;
  const requestTimeout = Math.max(options.requestTimeoutMs ?? 30_000, headersTimeout);
  // Node enforces both timeouts only when it sweeps its connections, every 30 s by default: a slowloris
  // socket would outlive a 10 s headersTimeout threefold. Sweeping at a quarter of the timeout bounds that.
  const connectionsCheckingInterval = Math.max(100, Math.min(1_000, Math.floor(headersTimeout / 4)));
  let closed = false;
  // Responses still being written when the listener closes; each is told to close its socket.
  const inFlight = new Set<ServerResponse>();
  const server = createServer({ headersTimeout, requestTimeout, connectionsCheckingInterval }, (req, res) => {
    if (closed) return void drainRequest(req).then(() => answerShuttingDown(res));
    inFlight.add(res);
    res.once('close', () => inFlight.delete(res));
    app(req, res);
  });
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
  // Between readiness turning 503 and the listener closing, so a balancer polling it stops sending here.
  // Keep-alive goes on meanwhile on purpose: clients that reconnected now would sit in the kernel's
  // accept queue when the listener closes, and those connections are reset, with the request written.
  const settleMs = Math.min(1_000, Math.floor(graceMs / 10));
  let closing: Promise<void> | undefined;
  const shutdown = (deadline?: AbortSignal): Promise<void> => {
    closing ??= (async () => {
      const cut = deadline ?? AbortSignal.timeout(graceMs);
      const cutAll = (): void => server.closeAllConnections();
      if (cut.aborted) cutAll();
      else cut.addEventListener('abort', cutAll, { once: true });
      await new Promise<void>((r) => setTimeout(r, cut.aborted ? 0 : settleMs));
      closed = true;
      for (const res of inFlight) if (!res.headersSent) res.setHeader('connection', 'close');
      await new Promise<void>((resolve) => {
        // net's close, not http's: http's also destroys every idle keep-alive socket at once, and a client
        // that wrote its next request onto one a moment before meets a reset. Left open, such a socket
        // either carries one more request (answered 503 + `Connection: close`) or ends at the keep-alive
        // timeout the client was told in the `Keep-Alive` header (it stops reusing it before); whatever is
        // still open at the deadline is cut.
        netClose.call(server, () => resolve());
      });
      cut.removeEventListener('abort', cutAll);
      stopConnectionsChecking(server);
    })();
    return closing;
  };

  return Object.assign(server, { shutdown, boundAddress: () => server.address() as AddressInfo });
}

const netClose = NetServer.prototype.close;

/** http's close would clear this interval; net's close (used above, see why there) leaves it running. */
function stopConnectionsChecking(server: Server): void {
  const key = Object.getOwnPropertySymbols(server).find((s) => s.description === 'http.server.connectionsCheckingInterval');
  if (key !== undefined) clearInterval((server as unknown as Record<symbol, NodeJS.Timeout | undefined>)[key]);
}

/** A request that arrives on an open keep-alive socket after the listener closed: nothing new is taken in. */
function answerShuttingDown(res: ServerResponse): void {
  const body = JSON.stringify({ error: { code: 'SHUTTING_DOWN' satisfies ErrorCode, message: 'This instance is shutting down; retry on another instance', details: { reason: 'shutting_down' } } });
  res.writeHead(503, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body), 'retry-after': '1', connection: 'close' });
  res.end(body);
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
