import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import WebSocket from 'ws';
import type { LiveEvent } from '../../contracts/live-event.js';

export interface StreamClientOptions {
  token?: string;
  /** How the token travels: `Authorization: Bearer` (default) or `?token=` as a browser must. */
  via?: 'header' | 'query';
  owner?: string;
  /** false: the client never answers pings, like a peer that vanished without closing. */
  autoPong?: boolean;
}

/** A test client of `GET /v1/stream` that keeps everything it receives. */
export interface StreamClient {
  ws: WebSocket;
  /** LiveEvents (`v: 1`) in arrival order. */
  events: LiveEvent[];
  /** Control messages (`subscribed`, `error`) in arrival order. */
  controls: Record<string, unknown>[];
  pings: number;
  /** Resolves with the close code once the connection is gone, whoever ended it. */
  closed: Promise<number>;
  /** Sends a subscribe message and waits for the server's `subscribed` answer. */
  subscribe(owner: string | null): Promise<void>;
  /** Polls until an event matches, or fails after `timeoutMs`. */
  waitFor(match: (e: LiveEvent) => boolean, what: string, timeoutMs?: number): Promise<LiveEvent>;
  close(): void;
}

function streamUrl(port: number, o: StreamClientOptions): string {
  const q = new URLSearchParams();
  if (o.owner !== undefined) q.set('owner', o.owner);
  if (o.via === 'query' && o.token !== undefined) q.set('token', o.token);
  const qs = q.toString();
  return `ws://127.0.0.1:${port}/v1/stream${qs ? `?${qs}` : ''}`;
}

async function poll<T>(probe: () => T | undefined, what: string, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Connects and resolves once the server said `subscribed`; rejects when the upgrade is refused. */
export async function connectStream(port: number, options: StreamClientOptions = {}): Promise<StreamClient> {
  const headers: Record<string, string> = options.token !== undefined && options.via !== 'query' ? { authorization: `Bearer ${options.token}` } : {};
  const ws = new WebSocket(streamUrl(port, options), { headers, autoPong: options.autoPong ?? true });
  const events: LiveEvent[] = [];
  const controls: Record<string, unknown>[] = [];
  const client: StreamClient = {
    ws,
    events,
    controls,
    pings: 0,
    closed: new Promise((resolve) => ws.once('close', (code) => resolve(code))),
    async subscribe(owner) {
      const before = controls.filter((c) => c.type === 'subscribed').length;
      ws.send(JSON.stringify({ type: 'subscribe', owner }));
      await poll(() => (controls.filter((c) => c.type === 'subscribed').length > before ? true : undefined), 'subscribed', 30_000);
    },
    waitFor(match, what, timeoutMs = 60_000) {
      return poll(() => events.find(match), what, timeoutMs);
    },
    close: () => ws.close(),
  };
  ws.on('ping', () => {
    client.pings++;
  });
  ws.on('message', (data) => {
    const message = JSON.parse(String(data)) as Record<string, unknown>;
    if (message.v === 1) events.push(message as unknown as LiveEvent);
    else controls.push(message);
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('error', reject);
    ws.once('close', (code) => reject(new Error(`closed with ${code} before subscribed`)));
    const check = (): void => {
      if (controls.some((c) => c.type === 'subscribed')) resolve();
      else setTimeout(check, 20);
    };
    ws.once('open', check);
  });
  return client;
}

/** The HTTP status of an upgrade the server refuses (or 101 if it was accepted after all). */
export function upgradeStatus(port: number, options: StreamClientOptions & { path?: string } = {}): Promise<number> {
  const url = options.path ? `ws://127.0.0.1:${port}${options.path}` : streamUrl(port, options);
  const headers: Record<string, string> = options.token !== undefined && options.via !== 'query' ? { authorization: `Bearer ${options.token}` } : {};
  const ws = new WebSocket(url, { headers });
  return new Promise((resolve, reject) => {
    ws.once('unexpected-response', (_req, res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.once('open', () => {
      resolve(101);
      ws.terminate();
    });
    ws.once('error', reject);
  });
}

/** A stream client that upgrades and then never reads again, at the TCP level. */
export interface StalledClient {
  /** Resolves once the server has cut the connection (seen after `resume()` drains what was queued). */
  closed: Promise<void>;
  /** Starts reading again, so the client notices the cut. */
  resume(): void;
  destroy(): void;
}

/**
 * Upgrades over a bare `net` socket and pauses it right after the 101. Not `ws` over `http.request` on
 * purpose: an HTTP interceptor that another test file in the same jest worker left installed (nock)
 * proxies such sockets and keeps reading the real one into memory, so a paused `ws` client would never
 * make the server's queue grow.
 */
export function connectStalledClient(port: number, token: string): Promise<StalledClient> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const closed = new Promise<void>((done) => socket.once('close', () => done()));
    let head = '';
    const onData = (chunk: Buffer): void => {
      head += chunk.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      socket.off('data', onData);
      socket.pause();
      if (!head.startsWith('HTTP/1.1 101')) {
        socket.destroy();
        reject(new Error(`upgrade refused: ${head.split('\r\n')[0]}`));
        return;
      }
      // Whatever arrives from now on is only drained once resumed, never parsed.
      socket.on('data', () => undefined);
      socket.pause();
      resolve({ closed, resume: () => socket.resume(), destroy: () => socket.destroy() });
    };
    socket.on('data', onData);
    socket.once('error', () => undefined);
    socket.once('connect', () => {
      socket.write(
        [
          'GET /v1/stream HTTP/1.1',
          `Host: 127.0.0.1:${port}`,
          'Upgrade: websocket',
          'Connection: Upgrade',
          `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`,
          'Sec-WebSocket-Version: 13',
          `Authorization: Bearer ${token}`,
          '',
          '',
        ].join('\r\n'),
      );
    });
    socket.once('close', () => reject(new Error('closed before the upgrade')));
  });
}
