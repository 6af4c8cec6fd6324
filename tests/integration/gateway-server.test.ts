import { Agent, get as httpGet } from 'node:http';
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
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const ask = (): Promise<{ status: number; connection: string | undefined; reused: boolean; body: string }> =>
      new Promise((resolve, reject) => {
        const req = httpGet({ host: '127.0.0.1', port, path: '/ok', agent }, (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection, reused: req.reusedSocket, body }));
        });
        req.on('error', reject);
      });
    try {
      const before = await ask();
      expect(before.status).toBe(200);
      expect(before.connection).toBe('keep-alive');

      const closed = server.shutdown();
      await waitUntil(() => !server.listening, 'the listener closed', 30_000);
      // New connections are refused; the idle keep-alive socket was left open rather than dropped.
      await expect(fetch(`http://127.0.0.1:${port}/ok`)).rejects.toMatchObject({ cause: { code: 'ECONNREFUSED' } });
      const after = await ask();
      expect(after.reused).toBe(true);
      expect(after.status).toBe(503);
      expect(after.connection).toBe('close');
      expect(JSON.parse(after.body)).toMatchObject({ error: { code: 'SHUTTING_DOWN' } });
      // That answer closed the last socket, so the shutdown completes long before its deadline.
      await closed;
    } finally {
      agent.destroy();
    }
  });
});
