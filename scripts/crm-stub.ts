import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';

export interface ReceivedDelivery {
  idempotencyKey: string;
  body: Record<string, unknown>;
  headers: IncomingMessage['headers'];
  receivedAt: number;
}

/** What the stub answers next; a test swaps it to simulate an outage, throttling or a rejection. */
export type StubBehaviour = (delivery: ReceivedDelivery, attempt: number) => { status: number; body?: unknown; headers?: Record<string, string>; delayMs?: number };

export interface CrmStub {
  url: string;
  /** Every delivery answered 2xx, in arrival order, once per Idempotency-Key. */
  accepted: ReceivedDelivery[];
  /** Repeats of an already accepted Idempotency-Key: answered with the first answer, created nothing. */
  replays: ReceivedDelivery[];
  /** Every request, whatever the answer. */
  requests: ReceivedDelivery[];
  behave(behaviour: StubBehaviour): void;
  /** Resolves once `n` deliveries were accepted, or rejects after `timeoutMs`. */
  waitForAccepted(n: number, timeoutMs?: number): Promise<ReceivedDelivery[]>;
  close(): Promise<void>;
}

const created: StubBehaviour = () => ({ status: 201, body: { id: `crm-${Math.random().toString(36).slice(2, 10)}` } });

/**
 * A local CRM that speaks the generic webhook destination's format: records every delivery with its
 * Idempotency-Key. Used by the tests, the benchmark and `npm run crm-stub` for trying Leadgate out.
 */
export async function startCrmStub(port = 0, host = '127.0.0.1'): Promise<CrmStub> {
  const accepted: ReceivedDelivery[] = [];
  const replays: ReceivedDelivery[] = [];
  const firstAnswers = new Map<string, unknown>();
  const requests: ReceivedDelivery[] = [];
  const attempts = new Map<string, number>();
  const waiters = new Set<() => void>();
  let behaviour: StubBehaviour = created;

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
      } catch {
        res.writeHead(400).end();
        return;
      }
      const key = String(req.headers['idempotency-key'] ?? '');
      const delivery: ReceivedDelivery = { idempotencyKey: key, body, headers: req.headers, receivedAt: Date.now() };
      const attempt = (attempts.get(key) ?? 0) + 1;
      attempts.set(key, attempt);
      requests.push(delivery);
      if (key && firstAnswers.has(key)) {
        // Honour Idempotency-Key like a CRM that supports it: same answer, nothing created.
        replays.push(delivery);
        res.writeHead(200, { 'content-type': 'application/json', 'idempotent-replayed': 'true' });
        res.end(JSON.stringify(firstAnswers.get(key) ?? {}));
        return;
      }
      const answer = behaviour(delivery, attempt);
      const reply = (): void => {
        if (answer.status >= 200 && answer.status < 300) {
          if (key) firstAnswers.set(key, answer.body ?? {});
          accepted.push(delivery);
          for (const wake of waiters) wake();
        }
        res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
        res.end(JSON.stringify(answer.body ?? {}));
      };
      if (answer.delayMs) setTimeout(reply, answer.delayMs);
      else reply();
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  const { port: bound } = server.address() as AddressInfo;

  return {
    url: `http://${host}:${bound}/leads`,
    accepted,
    replays,
    requests,
    behave(next) {
      behaviour = next;
    },
    waitForAccepted(n, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          if (accepted.length >= n) {
            clearTimeout(timer);
            waiters.delete(check);
            resolve(accepted);
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`CRM stub: ${accepted.length} of ${n} deliveries accepted after ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    close() {
      for (const wake of waiters) waiters.delete(wake);
      return new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const stub = await startCrmStub(Number(process.env.PORT ?? 9090));
  stub.behave((delivery) => {
    const lead = delivery.body.lead as { leadId?: string; contact?: { name?: string } } | undefined;
    process.stdout.write(`${new Date().toISOString()} ${String(delivery.body.event)} ${delivery.idempotencyKey} owner=${String(delivery.body.ownerId)} lead=${lead?.leadId ?? '?'}\n`);
    return { status: 201, body: { id: lead?.leadId } };
  });
  process.stdout.write(`CRM stub listening on ${stub.url}\n`);
}
