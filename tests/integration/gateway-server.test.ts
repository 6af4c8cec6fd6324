import express from 'express';
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
});
