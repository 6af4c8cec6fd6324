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
