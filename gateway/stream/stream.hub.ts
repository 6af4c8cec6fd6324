import type { WebSocket, RawData } from 'ws';
import type { LiveEvent } from '../../contracts/live-event.js';
import type { Logger } from '../../platform/telemetry/logger.js';
import type { Metrics } from '../../platform/telemetry/metrics.js';

/** Per-process limits of the live stream (config `stream`). */
export interface StreamLimits {
  /** Ping interval; a client that has not answered the previous ping by the next tick is terminated. */
  heartbeatMs: number;
  /** Connected clients at most; one more is closed with 1013 right after the handshake. */
  maxClients: number;
  /** Bytes queued for one client beyond which it is dropped instead of queueing more. */
  maxBufferedBytes: number;
}

/** Why a connected client was cut by the server (metric label). */
export type DropReason = 'slow' | 'heartbeat';

/** An owner id a client may subscribe to; bounded so a client cannot make us hold arbitrary strings. */
const ownerPattern = /^[^\s]{1,128}$/;

/**
 * Reads an owner filter as given in `?owner=` or a subscribe message: absent, null or `*` mean every
 * owner (undefined); a usable id is returned as is; anything else is `false` (refused).
 */
export function parseOwner(value: unknown): string | undefined | false {
  if (value === undefined || value === null || value === '' || value === '*') return undefined;
  return typeof value === 'string' && ownerPattern.test(value) ? value : false;
}

interface Client {
  ws: WebSocket;
  /** Only this owner's events; undefined = all. */
  owner: string | undefined;
  /** Set for an operator token: `owner` stays this, a subscribe to anything else is refused. */
  pinned: string | undefined;
  /** Cleared on each ping, set by the pong; still clear at the next tick means the peer is gone. */
  alive: boolean;
}

/**
 * The connected clients of one gateway process and the in-memory fan-out to them. Best effort by design:
 * a client that cannot keep up is dropped (it reconnects and reloads state from the CRM), because queueing
 * for it would let one stalled browser grow the gateway's memory without bound.
 */
export class StreamHub {
  private readonly clients = new Set<Client>();
  private heartbeat: NodeJS.Timeout | undefined;
  private closing: Promise<void> | undefined;

  constructor(private readonly o: { limits: StreamLimits; metrics: Metrics; logger: Logger }) {}

  get size(): number {
    return this.clients.size;
  }

  hasRoom(): boolean {
    return this.closing === undefined && this.clients.size < this.o.limits.maxClients;
  }

  startHeartbeat(): void {
    if (this.heartbeat !== undefined) return;
    this.heartbeat = setInterval(() => this.beat(), this.o.limits.heartbeatMs);
    this.heartbeat.unref();
  }

  /** Takes over an upgraded socket. Answers `subscribed` so the client knows events flow from now on. */
  add(ws: WebSocket, owner: string | undefined, pinned?: string): void {
    if (!this.hasRoom()) {
      // 1013 "try again later": a browser sees close codes but never the HTTP status of a refused upgrade.
      ws.close(1013, this.closing ? 'server shutting down' : 'too many clients');
      this.o.metrics.streamRejected.inc({ reason: 'full' });
      return;
    }
    const client: Client = { ws, owner: pinned ?? owner, pinned, alive: true };
    this.clients.add(client);
    this.o.metrics.streamClients.set(this.clients.size);
    ws.on('pong', () => {
      client.alive = true;
    });
    ws.on('message', (data, isBinary) => this.onMessage(client, data, isBinary));
    ws.on('error', (err) => this.o.logger.debug({ err }, 'stream.client_error'));
    ws.once('close', () => {
      this.clients.delete(client);
      this.o.metrics.streamClients.set(this.clients.size);
    });
    this.sendControl(client, { type: 'subscribed', owner: owner ?? null });
  }

  /** Pushes one event to every client subscribed to its owner or to all; returns how many got it. */
  publish(event: LiveEvent): number {
    // Serialised once for every client; a text frame from a Buffer avoids a per-client copy.
    const payload = Buffer.from(JSON.stringify(event));
    let sent = 0;
    for (const client of this.clients) {
      if (client.owner !== undefined && client.owner !== event.ownerId) continue;
      if (this.send(client, payload)) sent++;
    }
    if (sent > 0) this.o.metrics.streamEventsPushed.inc({ type: event.type }, sent);
    return sent;
  }

  /** Sends close 1001 to every client, waits up to `graceMs` for their close, then cuts the rest. Idempotent. */
  close(graceMs = 2_000): Promise<void> {
    this.closing ??= (async () => {
      clearInterval(this.heartbeat);
      const clients = [...this.clients];
      const closed = clients.map((c) => new Promise<void>((resolve) => {
        if (c.ws.readyState === c.ws.CLOSED) resolve();
        else c.ws.once('close', () => resolve());
      }));
      for (const c of clients) c.ws.close(1001, 'server shutting down');
      let timer: NodeJS.Timeout | undefined;
      const grace = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, graceMs);
      });
      await Promise.race([Promise.all(closed), grace]);
      clearTimeout(timer);
      for (const c of this.clients) c.ws.terminate();
    })();
    return this.closing;
  }

  private send(client: Client, payload: Buffer): boolean {
    const { ws } = client;
    if (ws.readyState !== ws.OPEN) return false;
    // An empty queue always takes the event, so one event larger than the cap does not drop everyone.
    if (ws.bufferedAmount > 0 && ws.bufferedAmount + payload.length > this.o.limits.maxBufferedBytes) {
      this.drop(client, 'slow');
      return false;
    }
    ws.send(payload, { binary: false });
    return true;
  }

  private drop(client: Client, reason: DropReason): void {
    // terminate, not close: a close frame would queue behind the very backlog that is the problem.
    this.clients.delete(client);
    this.o.metrics.streamClients.set(this.clients.size);
    this.o.metrics.streamClientsDropped.inc({ reason });
    this.o.logger.debug({ reason, owner: client.owner }, 'stream.client_dropped');
    client.ws.terminate();
  }

  private beat(): void {
    for (const client of this.clients) {
      if (!client.alive) {
        this.drop(client, 'heartbeat');
        continue;
      }
      client.alive = false;
      client.ws.ping();
    }
  }

  private onMessage(client: Client, data: RawData, isBinary: boolean): void {
    let message: unknown;
    try {
      message = isBinary ? undefined : JSON.parse(rawText(data));
    } catch {
      message = undefined;
    }
    const m = message !== null && typeof message === 'object' ? (message as Record<string, unknown>) : undefined;
    if (m?.type !== 'subscribe') {
      this.sendControl(client, { type: 'error', code: 'BAD_REQUEST', message: 'expected {"type":"subscribe","owner":"<id>"}' });
      return;
    }
    const owner = parseOwner(m.owner);
    if (owner === false) {
      this.sendControl(client, { type: 'error', code: 'VALIDATION_FAILED', message: 'owner must be 1-128 characters without spaces, or "*"' });
      return;
    }
    if (client.pinned !== undefined && owner !== client.pinned) {
      this.sendControl(client, { type: 'error', code: 'FORBIDDEN', reason: 'other_owner', message: "an operator token streams its own owner's events only" });
      return;
    }
    client.owner = owner;
    this.sendControl(client, { type: 'subscribed', owner: owner ?? null });
  }

  private sendControl(client: Client, message: Record<string, unknown>): void {
    this.send(client, Buffer.from(JSON.stringify(message)));
  }
}

function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data instanceof ArrayBuffer ? new Uint8Array(data) : data).toString('utf8');
}
