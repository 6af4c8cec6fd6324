import { Api, TelegramApiError } from 'node-telegram-bot-api';
import type { Logger } from 'pino';
import type { TelegramConfig } from './telegram.config.js';
import type { Message } from './telegram.update.js';

/** Ordinary calls are short; `getUpdates` gets its long-poll wait on top of this inside the library. */
const CALL_TIMEOUT_MS = 30_000;

/**
 * The Bot API client. The library's own retries are off: every retry goes through platform/retry.ts so
 * backoff, Retry-After and stop() behave the same as everywhere else in Leadgate.
 */
export function createTelegramApi(config: Readonly<TelegramConfig>): Api {
  return new Api(config.botToken, { apiRoot: config.apiRoot, maxRetries: 0, timeoutMs: CALL_TIMEOUT_MS });
}

/** 401 (revoked token) and 404 (malformed token: the path does not exist) will not heal by retrying. */
export function isAuthFailure(err: unknown): boolean {
  return err instanceof TelegramApiError && (err.errorCode === 401 || err.errorCode === 404);
}

/** Telegram's `retry_after` (429) in ms, so a throttled poller waits as long as asked. */
export function retryAfterMs(err: unknown): number | undefined {
  return err instanceof TelegramApiError && err.retryAfter !== undefined ? err.retryAfter * 1000 : undefined;
}

/** A short description for logs and `/ready`, never the URL (it embeds the bot token). */
export function describeTelegramError(err: unknown): string {
  if (err instanceof TelegramApiError) return `Telegram ${err.errorCode}: ${err.description}`;
  if (err instanceof Error) return err.name === 'Error' ? err.message : err.name;
  return 'unknown error';
}

/** Remembers the last few thousand update ids so a webhook retry does not send the acknowledgement twice. */
const REMEMBERED_UPDATES = 5000;

export interface AutoReplier {
  /** Call once the update's raw event is durable. Never throws and never waits for Telegram. */
  afterAccepted(updateId: number, message: Message): void;
  /** Resolves when replies in flight have finished (for stop()). */
  drain(): Promise<void>;
}

/**
 * The optional acknowledgement. One per chat per cooldown, so a five-message conversation gets one
 * "thank you", not five. The cooldown lives in memory: after a restart, or with several gateways, a
 * person may get it once more; that is cheaper than a store round trip on every message.
 */
export function createAutoReplier(api: Api, config: Readonly<TelegramConfig>, logger: Logger): AutoReplier {
  const inFlight = new Set<Promise<void>>();
  const lastReplyAt = new Map<number, number>();
  const seenUpdates = new Set<number>();
  const reply = config.autoReply;

  return {
    afterAccepted(updateId, message) {
      if (!reply || seenUpdates.has(updateId)) return;
      seenUpdates.add(updateId);
      if (seenUpdates.size > REMEMBERED_UPDATES) seenUpdates.delete(seenUpdates.values().next().value as number);
      const chatId = message.chat.id;
      const now = Date.now();
      const last = lastReplyAt.get(chatId);
      if (last !== undefined && now - last < reply.cooldownMinutes * 60_000) return;
      lastReplyAt.set(chatId, now);
      if (lastReplyAt.size > REMEMBERED_UPDATES) lastReplyAt.delete(lastReplyAt.keys().next().value as number);
      const sending = api
        .sendMessage({ chat_id: chatId, text: reply.text })
        .then(() => undefined)
        .catch((err: unknown) => {
          // The lead is already safe; a failed courtesy message must not turn into a failed webhook.
          logger.warn({ event: 'connector.auto_reply_failed', reason: describeTelegramError(err) }, 'auto-reply not sent');
        })
        .finally(() => inFlight.delete(sending));
      inFlight.add(sending);
    },
    async drain() {
      await Promise.all([...inFlight]);
    },
  };
}

export interface TelegramRuntime {
  api: Api;
  replier: AutoReplier;
}

// The gateway hands the webhook router and the background ingress the same frozen config object, so it
// keys one client and one cooldown table per connector instance.
const runtimes = new WeakMap<object, TelegramRuntime>();

export function telegramRuntime(config: Readonly<TelegramConfig>, logger: Logger): TelegramRuntime {
  let runtime = runtimes.get(config);
  if (!runtime) {
    const api = createTelegramApi(config);
    runtime = { api, replier: createAutoReplier(api, config, logger) };
    runtimes.set(config, runtime);
  }
  return runtime;
}
