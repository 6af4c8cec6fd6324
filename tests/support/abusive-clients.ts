import { connect, type Socket } from 'node:net';

/** A raw TCP client whose fate the test watches: what the server sent and whether it closed the socket. */
export interface WatchedSocket {
  socket: Socket;
  /** Everything the server sent so far. */
  received(): Buffer;
  /** Resolves once the socket is closed, whoever closed it. */
  closed: Promise<void>;
  isClosed(): boolean;
}

export function watchSocket(socket: Socket): WatchedSocket {
  const chunks: Buffer[] = [];
  let done = false;
  socket.on('data', (c: Buffer) => chunks.push(c));
  // A reset from the server is one of the expected outcomes, not a test error.
  socket.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => socket.once('close', () => {
    done = true;
    resolve();
  }));
  return { socket, received: () => Buffer.concat(chunks), closed, isClosed: () => done };
}

/** Connects and resolves once the TCP handshake completed (the server may still drop the socket at once). */
export function openSocket(port: number): Promise<WatchedSocket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const watched = watchSocket(socket);
    socket.once('connect', () => resolve(watched));
    socket.once('error', reject);
  });
}

/** A client that writes `head` at once, then one byte of `filler` every `intervalMs`, forever (until stopped). */
export interface Dribbler extends WatchedSocket {
  /** Bytes written after the head: proves the client was still sending when the server gave up. */
  dribbled(): number;
  stop(): void;
}

export async function dribble(port: number, head: string, intervalMs: number, filler = 'a'): Promise<Dribbler> {
  const watched = await openSocket(port);
  watched.socket.write(head, 'latin1');
  let count = 0;
  const timer = setInterval(() => {
    if (watched.isClosed() || !watched.socket.writable) return;
    watched.socket.write(filler[count % filler.length] ?? 'a', 'latin1');
    count++;
  }, intervalMs);
  void watched.closed.then(() => clearInterval(timer));
  return {
    ...watched,
    dribbled: () => count,
    stop: () => {
      clearInterval(timer);
      watched.socket.destroy();
    },
  };
}
