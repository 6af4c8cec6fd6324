import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One Bot API call the stub received, with its parameters decoded (numbers and JSON fields parsed). */
export interface BotApiCall {
  method: string;
  params: Record<string, unknown>;
  /** When it arrived (ms since epoch), to check backoff and Retry-After. */
  at: number;
}

/** A canned failure: the Bot API's `{ok:false}` envelope with this code and description. */
export interface BotApiFailure {
  status: number;
  description: string;
  retryAfter?: number;
}

export interface TelegramBotApiStub {
  /** The `apiRoot` to configure (`http://127.0.0.1:<port>`). */
  url: string;
  calls: BotApiCall[];
  /** What `setWebhook` registered; `getUpdates` answers 409 while it is set, as Telegram does. */
  webhook: { url: string; secretToken?: string } | undefined;
  /** Queues updates (each needs an `update_id`); a waiting long poll returns at once. */
  push(...updates: Record<string, unknown>[]): void;
  /** The next `times` calls of `method` fail with `failure`. */
  failNext(method: string, failure: BotApiFailure, times?: number): void;
  /** Every call of every method fails with 401, as for a revoked token. */
  revokeToken(): void;
  callsOf(method: string): BotApiCall[];
  /** Resolves once `predicate` holds for the recorded calls. */
  waitForCalls(predicate: (calls: BotApiCall[]) => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

function decodeParams(raw: string, contentType: string | undefined): Record<string, unknown> {
  if (raw === '') return {};
  if ((contentType ?? '').includes('application/json')) return JSON.parse(raw) as Record<string, unknown>;
  // The library posts urlencoded forms with structured fields JSON-encoded, as the Bot API accepts.
  const out: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(raw)) {
    if (/^-?\d+$/.test(value)) out[key] = Number(value);
    else if (value === 'true' || value === 'false') out[key] = value === 'true';
    else if (value.startsWith('[') || value.startsWith('{')) out[key] = JSON.parse(value) as unknown;
    else out[key] = value;
  }
  return out;
}

/**
 * A local Telegram Bot API speaking the documented wire format (`POST /bot<token>/<method>`, answers
 * `{ok:true,result}` or `{ok:false,error_code,description,parameters}`) for getUpdates (long polling,
 * offset confirmation), setWebhook, deleteWebhook and sendMessage. Long polls are capped at
 * `maxWaitMs` so tests stay fast whatever timeout the client asks for.
 */
export async function startTelegramBotApiStub(options: { token: string; maxWaitMs?: number }): Promise<TelegramBotApiStub> {
  const maxWaitMs = options.maxWaitMs ?? 300;
  const calls: BotApiCall[] = [];
  let queue: Record<string, unknown>[] = [];
  const failures = new Map<string, { failure: BotApiFailure; times: number }>();
  const waiters = new Set<() => void>();
  let revoked = false;
  let nextMessageId = 1;
  const sockets = new Set<import('node:net').Socket>();

  const wake = (): void => {
    for (const w of [...waiters]) w();
  };

  const send = (res: ServerResponse, status: number, body: unknown): void => {
    if (res.writableEnded) return;
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };
  const fail = (res: ServerResponse, f: BotApiFailure): void => {
    const parameters = f.retryAfter !== undefined ? { parameters: { retry_after: f.retryAfter } } : {};
    send(res, f.status, { ok: false, error_code: f.status, description: f.description, ...parameters });
  };

  const getUpdates = (params: Record<string, unknown>, res: ServerResponse): void => {
    if (stub.webhook) {
      fail(res, { status: 409, description: "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first" });
      return;
    }
    const offset = typeof params.offset === 'number' ? params.offset : undefined;
    // An offset confirms every update below it: Telegram forgets them.
    if (offset !== undefined) queue = queue.filter((u) => Number(u.update_id) >= offset);
    const limit = typeof params.limit === 'number' ? params.limit : 100;
    const answer = (): void => send(res, 200, { ok: true, result: queue.slice(0, limit) });
    const timeoutSec = typeof params.timeout === 'number' ? params.timeout : 0;
    if (queue.length > 0 || timeoutSec === 0) {
      answer();
      return;
    }
    const done = (): void => {
      waiters.delete(done);
      clearTimeout(timer);
      answer();
    };
    const timer = setTimeout(done, Math.min(timeoutSec * 1000, maxWaitMs));
    waiters.add(done);
    res.on('close', () => {
      waiters.delete(done);
      clearTimeout(timer);
    });
  };

  const handle = (method: string, params: Record<string, unknown>, res: ServerResponse): void => {
    switch (method) {
      case 'getUpdates':
        getUpdates(params, res);
        return;
      case 'setWebhook':
        stub.webhook = { url: String(params.url), ...(params.secret_token ? { secretToken: String(params.secret_token) } : {}) };
        send(res, 200, { ok: true, result: true, description: 'Webhook was set' });
        return;
      case 'deleteWebhook':
        stub.webhook = undefined;
        if (params.drop_pending_updates === true) queue = [];
        send(res, 200, { ok: true, result: true, description: 'Webhook was deleted' });
        return;
      case 'sendMessage': {
        const chatId = Number(params.chat_id);
        const message = { message_id: nextMessageId++, date: Math.floor(Date.now() / 1000), chat: { id: chatId, type: 'private' }, text: String(params.text) };
        send(res, 200, { ok: true, result: message });
        return;
      }
      case 'getMe':
        send(res, 200, { ok: true, result: { id: 1, is_bot: true, first_name: 'Stub', username: 'stub_bot' } });
        return;
      default:
        send(res, 404, { ok: false, error_code: 404, description: 'Not Found: method not found' });
    }
  };

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const match = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(req.url?.split('?')[0] ?? '');
      if (!match) {
        send(res, 404, { ok: false, error_code: 404, description: 'Not Found' });
        return;
      }
      const method = match[2] ?? '';
      let params: Record<string, unknown>;
      try {
        params = decodeParams(Buffer.concat(chunks).toString('utf8'), req.headers['content-type']);
      } catch {
        send(res, 400, { ok: false, error_code: 400, description: 'Bad Request: cannot parse parameters' });
        return;
      }
      calls.push({ method, params, at: Date.now() });
      wake();
      if (match[1] !== options.token || revoked) {
        send(res, 401, { ok: false, error_code: 401, description: 'Unauthorized' });
        return;
      }
      const planned = failures.get(method);
      if (planned && planned.times > 0) {
        planned.times--;
        fail(res, planned.failure);
        return;
      }
      handle(method, params, res);
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const stub: TelegramBotApiStub = {
    url: `http://127.0.0.1:${port}`,
    calls,
    webhook: undefined,
    push(...updates) {
      queue.push(...updates);
      wake();
    },
    failNext(method, failure, times = 1) {
      failures.set(method, { failure, times });
    },
    revokeToken() {
      revoked = true;
    },
    callsOf(method) {
      return calls.filter((c) => c.method === method);
    },
    async waitForCalls(predicate, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(calls)) {
        if (Date.now() > deadline) throw new Error(`waitForCalls: not met; calls so far: ${calls.map((c) => c.method).join(', ')}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    async close() {
      wake();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return stub;
}
