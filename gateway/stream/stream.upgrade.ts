import type { IncomingMessage } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { LeadgateError, type ErrorCode } from '../../contracts/errors.js';
import { identifyToken, type OperatorToken } from '../../platform/http/admin-auth.js';
import type { Logger } from '../../platform/telemetry/logger.js';
import type { Metrics } from '../../platform/telemetry/metrics.js';
import { parseOwner, type StreamHub } from './stream.hub.js';

/** The one path the stream answers on. */
export const STREAM_PATH = '/v1/stream';

/** Client messages are subscribe requests of a few dozen bytes; anything near this is abuse. */
const MAX_CLIENT_MESSAGE_BYTES = 4096;

export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

export interface UpgradeDeps {
  /** The admin token (config.admin.token); without one the stream refuses everybody. */
  token: string | undefined;
  /** Operator tokens (`admin.operators`): their stream is pinned to their owner, whatever they ask. */
  operators?: readonly OperatorToken[];
  hub: StreamHub;
  metrics: Metrics;
  logger: Logger;
}

function presentedToken(req: IncomingMessage, url: URL): string {
  const header = req.headers.authorization ?? '';
  if (header.startsWith('Bearer ')) return header.slice(7).trim();
  // Browsers cannot set headers on a WebSocket, hence the query form; it is never logged.
  return url.searchParams.get('token') ?? '';
}

/** Answers a refused upgrade with a plain HTTP error and closes the socket: no WebSocket is created. */
function refuse(socket: Duplex, code: ErrorCode, message: string, details: Record<string, unknown>): void {
  const error = new LeadgateError(code, message, { details });
  const body = JSON.stringify(error.toBody());
  const head = [
    `HTTP/1.1 ${error.status} ${STATUS_CODES[error.status] ?? ''}`,
    'Connection: close',
    'Content-Type: application/json; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(body)}`,
    ...(error.status === 401 ? ['WWW-Authenticate: Bearer'] : []),
  ];
  socket.once('finish', () => socket.destroy());
  socket.end(`${head.join('\r\n')}\r\n\r\n${body}`);
}

/**
 * Handles the HTTP server's `upgrade` event: `GET /v1/stream` with the admin token (Bearer header or
 * `?token=`), optionally `?owner=<id>`. Authentication happens before the handshake, so a bad or
 * missing token gets `401` and no socket is ever upgraded. Other paths get `404`. An operator token
 * (`admin.operators`) is pinned to its owner: another `?owner=` gets `403`, and so does a later subscribe.
 */
export function createUpgradeHandler(deps: UpgradeDeps): { handle: UpgradeHandler; close(): void } {
  const wss = new WebSocketServer({
    noServer: true,
    clientTracking: false,
    maxPayload: MAX_CLIENT_MESSAGE_BYTES,
    // Compression keeps per-client zlib state and makes bufferedAmount lag reality; events are small anyway.
    perMessageDeflate: false,
  });
  const handle: UpgradeHandler = (req, socket, head) => {
    // An upgrading socket has no error listener of its own; a reset must not crash the process.
    socket.on('error', () => socket.destroy());
    const url = new URL(req.url ?? '/', 'http://stream.invalid');
    if (url.pathname !== STREAM_PATH) {
      deps.metrics.streamRejected.inc({ reason: 'not_found' });
      refuse(socket, 'NOT_FOUND', `No WebSocket endpoint at ${url.pathname}`, {});
      return;
    }
    const presented = presentedToken(req, url);
    const operators = deps.operators ?? [];
    const principal = identifyToken(presented, deps.token, operators);
    if (principal === undefined) {
      deps.metrics.streamRejected.inc({ reason: 'unauthorized' });
      const reason = !deps.token && operators.length === 0 ? 'stream_disabled' : presented ? 'bad_token' : 'missing_credentials';
      refuse(socket, 'UNAUTHORIZED', 'a valid admin token is required (Authorization: Bearer … or ?token=)', { reason });
      return;
    }
    const owner = parseOwner(url.searchParams.get('owner') ?? undefined);
    if (owner === false) {
      deps.metrics.streamRejected.inc({ reason: 'invalid' });
      refuse(socket, 'VALIDATION_FAILED', 'owner must be 1-128 characters without spaces, or "*"', { field: 'owner' });
      return;
    }
    if (principal.role === 'operator' && owner !== undefined && owner !== principal.ownerId) {
      deps.metrics.streamRejected.inc({ reason: 'forbidden' });
      refuse(socket, 'FORBIDDEN', "an operator token streams its own owner's events only", { reason: 'other_owner', field: 'owner' });
      return;
    }
    const pinned = principal.role === 'operator' ? principal.ownerId : undefined;
    wss.handleUpgrade(req, socket, head, (ws) => deps.hub.add(ws, pinned ?? owner, pinned));
  };
  return { handle, close: () => wss.close() };
}
