import { connect } from 'node:net';
import express from 'express';
import { waitUntil } from '../support/bus-contract.js';
import { listen } from '../../gateway/server.js';

describe('listen', () => {
  it('binds with the configured timeouts and closes gracefully after in-flight requests finish', async () => {
    const app = express();
    app.get('/slow', (_req, res) => {
      setTimeout(() => res.json({ done: true }), 150);
    });
    const server = await listen(app, { host: '127.0.0.1', port: 0, headersTimeoutMs: 4000, requestTimeoutMs: 8000, keepAliveTimeoutMs: 3000, maxConnections: 50 });
    expect(server.headersTimeout).toBe(4000);
    expect(server.requestTimeout).toBe(8000);
    expect(server.keepAliveTimeout).toBe(3000);
    expect(server.maxConnections).toBe(50);
    const { port } = server.boundAddress();
    const inFlight = fetch(`http://127.0.0.1:${port}/slow`).then((r) => r.json() as Promise<unknown>);
    await new Promise((r) => setTimeout(r, 50));
    const closed = server.shutdown();
    expect(server.shutdown()).toBe(closed);
    expect(await inFlight).toEqual({ done: true });
    await closed;
    expect(server.listening).toBe(false);
  });

  it('after the listener closed, a request on a still-open keep-alive socket gets 503 SHUTTING_DOWN with Connection: close, not a reset', async () => {
    const app = express();
    app.get('/ok', (_req, res) => res.json({ ok: true }));
    const server = await listen(app, { host: '127.0.0.1', port: 0, keepAliveTimeoutMs: 30_000, shutdownGraceMs: 60_000 });
    const { port } = server.boundAddress();
    // One bare TCP connection carries both requests, so no HTTP client (or an interceptor another test file
    // left installed in this jest worker) decides about keep-alive: the test sees what the server sent.
    const socket = connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    let received = '';
    socket.on('data', (c: Buffer) => (received += c.toString('latin1')));
    const ended = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    const ask = async (): Promise<{ status: number; connection: string | undefined; body: string }> => {
      received = '';
      socket.write(`GET /ok HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: keep-alive\r\n\r\n`);
      await waitUntil(() => {
        const head = received.split('\r\n\r\n')[0];
        const length = /content-length: (\d+)/i.exec(head);
        return received.includes('\r\n\r\n') && length !== null && received.length >= head.length + 4 + Number(length[1]);
      }, 'a whole response', 30_000);
      const [head, body] = received.split('\r\n\r\n');
      return { status: Number(head.split(' ')[1]), connection: /\r\nconnection: ([^\r]+)/i.exec(head)?.[1]?.toLowerCase(), body };
    };
    try {
      const before = await ask();
      expect(before.status).toBe(200);
      expect(before.connection).toBe('keep-alive');

      const closed = server.shutdown();
      await waitUntil(() => !server.listening, 'the listener closed', 30_000);
      // New connections are refused; the idle keep-alive socket was left open rather than dropped.
      await expect(fetch(`http://127.0.0.1:${port}/ok`)).rejects.toMatchObject({ cause: { code: 'ECONNREFUSED' } });
      const after = await ask();
      expect(after.status).toBe(503);
      expect(after.connection).toBe('close');
      expect(JSON.parse(after.body)).toMatchObject({ error: { code: 'SHUTTING_DOWN' } });
      await ended;
      // That answer closed the last socket, so the shutdown completes long before its deadline.
      await closed;
    } finally {
      socket.destroy();
      // A failed assertion above must not leave the listener open: jest would never exit.
      await server.shutdown(AbortSignal.abort());
    }
  });
});
