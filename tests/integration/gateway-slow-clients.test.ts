import { randomUUID } from 'node:crypto';
import type { RunningPipeline } from '../../bin/pipeline.js';
import { dribble, openSocket, type Dribbler, type WatchedSocket } from '../support/abusive-clients.js';
import { waitUntil } from '../support/bus-contract.js';
import { createTestEnvironment, postForm, type TestEnvironment } from '../support/pipeline-harness.js';

// Every deadline below is a safety net for a loaded machine; no assertion measures how fast anything is.
const closeDeadlineMs = 60_000;
const connector = { id: 'site', kind: 'forms' };

const okResponses = (s: WatchedSocket): number => s.received().toString('latin1').match(/HTTP\/1\.1 200 /g)?.length ?? 0;

/** A well-behaved provider posting leads until `until` holds; returns how many were accepted meanwhile. */
async function serveWhile(port: number, until: () => boolean): Promise<number> {
  let accepted = 0;
  const deadline = Date.now() + closeDeadlineMs;
  do {
    const res = await postForm(port, connector.id, { name: 'Normal', phone: '+79990001122', tranid: `t-${randomUUID()}` });
    expect(res.status).toBe(202);
    accepted++;
    await new Promise((r) => setTimeout(r, 50));
  } while (!until() && Date.now() < deadline);
  return accepted;
}

describe('gateway against slow and abusive clients', () => {
  let env: TestEnvironment;
  let pipeline: RunningPipeline;
  let port: number;
  const abusers: Dribbler[] = [];

  beforeAll(async () => {
    env = await createTestEnvironment('embedded', {
      server: { headersTimeoutMs: 3000, requestTimeoutMs: 4000, keepAliveTimeoutMs: 2000 },
      connectors: [connector],
    });
    pipeline = await env.start(['gateway']);
    port = pipeline.port as number;
    // Warm-up, so the first lead of a test does not pay for lazy initialisation while sockets time out.
    expect((await postForm(port, connector.id, { phone: '+79990000000' })).status).toBe(202);
  }, 120_000);

  afterEach(() => {
    for (const a of abusers.splice(0)) a.stop();
  });

  afterAll(async () => {
    await env.cleanup();
  }, 60_000);

  test('slowloris sockets that never finish their headers are closed while normal leads are accepted', async () => {
    const head = `POST /v1/hooks/${connector.id} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nX-Slow: `;
    abusers.push(...(await Promise.all(Array.from({ length: 60 }, () => dribble(port, head, 100)))));
    const allClosed = (): boolean => abusers.every((a) => a.isClosed());

    const accepted = await serveWhile(port, allClosed);
    await waitUntil(allClosed, 'the server to close every slowloris socket', closeDeadlineMs);

    expect(accepted).toBeGreaterThan(0);
    for (const a of abusers) {
      // Still sending when cut off, and told why: the server gave up, not the client.
      expect(a.dribbled()).toBeGreaterThan(0);
      expect(a.received().toString('latin1')).toMatch(/^HTTP\/1\.1 408 /);
    }
  }, 120_000);

  test('a body sent slowly forever is cut off by the request timeout', async () => {
    const head =
      `POST /v1/hooks/${connector.id} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n` +
      `Content-Length: 1000000\r\n\r\nphone=%2B79990002233&message=`;
    abusers.push(...(await Promise.all(Array.from({ length: 10 }, () => dribble(port, head, 100)))));
    const allClosed = (): boolean => abusers.every((a) => a.isClosed());

    const accepted = await serveWhile(port, allClosed);
    await waitUntil(allClosed, 'the server to close every slow-body socket', closeDeadlineMs);

    expect(accepted).toBeGreaterThan(0);
    for (const a of abusers) {
      expect(a.dribbled()).toBeGreaterThan(0);
      // Whatever was answered, it was not an acceptance of the half-sent lead.
      expect(a.received().toString('latin1')).not.toMatch(/^HTTP\/1\.1 2/);
    }
  }, 120_000);

  test('a client that pipelines requests and never reads the answers does not stall other clients', async () => {
    const hog = await openSocket(port);
    // Not reading: the kernel buffers fill and the server's writes to this socket back up.
    hog.socket.pause();
    const pipelined = 500;
    hog.socket.write('GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'.repeat(pipelined), 'latin1');
    await new Promise((r) => setTimeout(r, 1000));

    let posts = 0;
    expect(await serveWhile(port, () => ++posts >= 10)).toBe(10);
    expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);

    // The hog was served all along, only slower than it asked for: once it reads, its answers arrive.
    expect(hog.isClosed()).toBe(false);
    hog.socket.resume();
    await waitUntil(() => okResponses(hog) >= pipelined, 'the hog to receive its answers once it reads', closeDeadlineMs);
    hog.socket.destroy();
  }, 120_000);
});

describe('gateway connection cap', () => {
  const maxConnections = 4;
  let env: TestEnvironment;
  let port: number;
  const sockets: WatchedSocket[] = [];
  const health = 'GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n';

  beforeAll(async () => {
    env = await createTestEnvironment('embedded', {
      // Long keep-alive: the sockets holding the cap must stay open for the whole test.
      server: { maxConnections, keepAliveTimeoutMs: 120_000, headersTimeoutMs: 120_000, requestTimeoutMs: 120_000 },
      connectors: [connector],
    });
    port = (await env.start(['gateway'])).port as number;
  }, 120_000);

  afterAll(async () => {
    for (const s of sockets) s.socket.destroy();
    await env.cleanup();
  }, 60_000);

  test('connections beyond maxConnections are closed unanswered while the existing ones keep working', async () => {
    for (let i = 0; i < maxConnections; i++) {
      const s = await openSocket(port);
      s.socket.write(health);
      await waitUntil(() => okResponses(s) === 1, `keep-alive connection ${i} to be served`, closeDeadlineMs);
      sockets.push(s);
    }

    const extra = await openSocket(port);
    extra.socket.write(health);
    await waitUntil(extra.isClosed, 'the connection over the cap to be closed', closeDeadlineMs);
    expect(extra.received().length).toBe(0);

    for (const s of sockets) s.socket.write(health);
    await waitUntil(() => sockets.every((s) => okResponses(s) === 2), 'the connections under the cap to be served again', closeDeadlineMs);

    // Freeing a slot lets a new client in (the server counts the close asynchronously, hence the retries).
    sockets.shift()?.socket.destroy();
    let admitted: WatchedSocket | undefined;
    await waitUntil(async () => {
      const s = await openSocket(port);
      s.socket.write(health);
      await waitUntil(() => s.isClosed() || okResponses(s) === 1, 'an answer or a close', closeDeadlineMs);
      if (okResponses(s) === 1) admitted = s;
      return admitted !== undefined;
    }, 'a freed slot to admit a new connection', closeDeadlineMs);
    if (admitted) sockets.push(admitted);
  }, 120_000);
});
