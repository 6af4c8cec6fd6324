import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';

export interface ReceivedDelivery {
  idempotencyKey: string;
  body: Record<string, unknown>;
  headers: IncomingMessage['headers'];
  receivedAt: number;
}

/**
 * What the stub answers next; a test swaps it to simulate an outage, throttling or a rejection. A 2xx
 * creates the record at once; `delayMs` only delays the answer.
 */
export type StubBehaviour = (delivery: ReceivedDelivery, attempt: number) => { status: number; body?: unknown; headers?: Record<string, string>; delayMs?: number };

export interface CrmStubOptions {
  /**
   * true (default): a repeated Idempotency-Key gets the first answer and creates nothing, like a CRM that
   * honours the header. false: like Bitrix24, amoCRM, HubSpot and most receivers, every 2xx POST creates a
   * record, so only Leadgate's own ledger and lookups keep a repeat from becoming a second record.
   */
  honourIdempotencyKey?: boolean;
}

export interface CrmStub {
  url: string;
  /**
   * Every delivery answered 2xx, in arrival order: one record each (once per Idempotency-Key when the
   * stub honours the key).
   */
  accepted: ReceivedDelivery[];
  /** Repeats of an already accepted Idempotency-Key: answered with the first answer, created nothing. */
  replays: ReceivedDelivery[];
  /** Records created per Idempotency-Key (the delivery id; `lead:<leadId>` for a lead.create). */
  createdPerKey: ReadonlyMap<string, number>;
  /** Keys with more than one record created: what a non-deduplicating CRM would show as duplicates. */
  createdTwice(): string[];
  /** `GET <url>?idempotencyKey=<key>` requests (the webhook destination's optional `lookupUrl`). */
  lookups: string[];
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
 * Idempotency-Key, counts the records created per key, and answers the optional lookup
 * (`GET <url>?idempotencyKey=<key>`). Used by the tests, the benchmark and `npm run crm-stub`.
 */
export async function startCrmStub(port = 0, host = '127.0.0.1', options: CrmStubOptions = {}): Promise<CrmStub> {
  const honour = options.honourIdempotencyKey ?? true;
  const createdPerKey = new Map<string, number>();
  const records = new Map<string, unknown>();
  const lookups: string[] = [];
  const accepted: ReceivedDelivery[] = [];
  const replays: ReceivedDelivery[] = [];
  const firstAnswers = new Map<string, unknown>();
  const requests: ReceivedDelivery[] = [];
  const attempts = new Map<string, number>();
  const waiters = new Set<() => void>();
  let behaviour: StubBehaviour = created;

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (req.method === 'GET') {
      // The lookup a receiver without Idempotency-Key support can offer: 200 with the record, or 404.
      const key = new URL(req.url ?? '/', 'http://stub').searchParams.get('idempotencyKey') ?? '';
      lookups.push(key);
      const record = records.get(key);
      res.writeHead(record === undefined ? 404 : 200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(record ?? { error: 'not found' }));
      return;
    }
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
      if (honour && key && firstAnswers.has(key)) {
        // Honour Idempotency-Key like a CRM that supports it: same answer, nothing created.
        replays.push(delivery);
        res.writeHead(200, { 'content-type': 'application/json', 'idempotent-replayed': 'true' });
        res.end(JSON.stringify(firstAnswers.get(key) ?? {}));
        return;
      }
      const answer = behaviour(delivery, attempt);
      // The record exists before the answer leaves (a slow or lost answer does not undo it), as in a CRM.
      if (answer.status >= 200 && answer.status < 300) {
        if (key) firstAnswers.set(key, answer.body ?? {});
        accepted.push(delivery);
        createdPerKey.set(key, (createdPerKey.get(key) ?? 0) + 1);
        if (!records.has(key)) records.set(key, answer.body ?? {});
        for (const wake of waiters) wake();
      }
      const reply = (): void => {
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
    createdPerKey,
    createdTwice: () => [...createdPerKey].filter(([, n]) => n > 1).map(([k]) => k),
    lookups,
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
