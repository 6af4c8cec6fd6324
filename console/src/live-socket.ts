/** A live-stream socket that reconnects by itself with capped backoff and keeps its owner filter. */

export interface LiveEventMessage {
  v: 1;
  type: string;
  at: string;
  ownerId?: string;
  leadId?: string;
  contactId?: string;
  data: Record<string, unknown>;
}

export type SocketState = { status: 'connecting' } | { status: 'open' } | { status: 'closed'; retryInSec: number };

export interface LiveSocket {
  setOwner(owner: string | null): void;
  close(): void;
}

export function openLiveSocket(opts: { token: string; owner: string | null; onEvent: (e: LiveEventMessage) => void; onState: (s: SocketState) => void; onReconnected: () => void }): LiveSocket {
  let owner = opts.owner;
  let ws: WebSocket | undefined;
  let closed = false;
  let failures = 0;
  let timer: number | undefined;
  let silence: number | undefined;
  let everOpened = false;

  const url = (): string => {
    const proto = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
    const q = new URLSearchParams({ token: opts.token });
    if (owner) q.set('owner', owner);
    return `${proto}//${window.location.host}/v1/stream?${q.toString()}`;
  };
  // The server pings every heartbeat but browsers do not surface pings, so silence is judged by messages:
  // with no traffic for a long while the socket is recycled, which costs nothing when it was healthy.
  const watch = (): void => {
    window.clearTimeout(silence);
    silence = window.setTimeout(() => ws?.close(), 120_000);
  };
  const connect = (): void => {
    if (closed) return;
    opts.onState({ status: 'connecting' });
    const socket = new WebSocket(url());
    ws = socket;
    socket.onopen = () => {
      failures = 0;
      watch();
      opts.onState({ status: 'open' });
      if (everOpened) opts.onReconnected();
      everOpened = true;
    };
    socket.onmessage = (msg: MessageEvent) => {
      watch();
      try {
        const parsed = JSON.parse(String(msg.data)) as { type?: string; v?: number };
        if (parsed.v === 1) opts.onEvent(parsed as LiveEventMessage);
      } catch {
        // not JSON: ignore, the stream only sends JSON
      }
    };
    socket.onclose = () => {
      window.clearTimeout(silence);
      if (closed || ws !== socket) return;
      failures += 1;
      const retryInSec = Math.min(30, 2 ** Math.min(failures - 1, 5));
      opts.onState({ status: 'closed', retryInSec });
      timer = window.setTimeout(connect, retryInSec * 1000);
    };
  };
  connect();
  return {
    setOwner(next) {
      owner = next;
      if (ws?.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: 'subscribe', owner: next ?? '*' }));
    },
    close() {
      closed = true;
      window.clearTimeout(timer);
      window.clearTimeout(silence);
      ws?.close(1000);
    },
  };
}
