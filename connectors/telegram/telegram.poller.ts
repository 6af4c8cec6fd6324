import { TelegramApiError } from 'node-telegram-bot-api';
import { isLeadgateError } from '../../contracts/errors.js';
import type { ConnectorContext, RunningIngress } from '../connector.port.js';
import { retry } from '../../platform/retry.js';
import { describeTelegramError, isAuthFailure, retryAfterMs, type TelegramRuntime } from './telegram.client.js';
import type { TelegramConfig } from './telegram.config.js';
import { loadOffset, saveOffset } from './telegram.offsets.js';
import { assertUpdate, classifyUpdate, type Update } from './telegram.update.js';

/** Consecutive failures tolerated before `/ready` reports the poller; one network blip is not an outage. */
const UNHEALTHY_AFTER = 3;
/** Only messages can become leads; asking for less keeps callback queries and member updates off the wire. */
export const ALLOWED_UPDATES = ['message'];

type Health = ReturnType<RunningIngress['health']>;

/**
 * Long-polls `getUpdates` and publishes each update through `ctx.ingest`. The cursor moves only after
 * the update's raw event is durable: the offset is stored after each publish and Telegram is told
 * (by the next `getUpdates` with that offset) only after it is stored. A crash between publish and
 * store repeats one update, which the raw-event key `<id>:<update_id>` turns into a no-op downstream.
 */
export function startPolling(ctx: ConnectorContext<TelegramConfig>, runtime: TelegramRuntime): RunningIngress {
  const { config, logger } = ctx;
  const { api, replier } = runtime;
  const abort = new AbortController();
  const { signal } = abort;
  let health: Health = { healthy: true };
  let failures = 0;
  let webhookInTheWay = false;

  const guarded = <T>(what: string, fn: () => Promise<T>): Promise<T> =>
    retry(fn, {
      retries: Infinity,
      initialMs: 500,
      maxMs: 30_000,
      signal,
      // A revoked token and a permanently invalid record will not heal: stop instead of hammering.
      bail: (err) => isAuthFailure(err) || (isLeadgateError(err) && !err.retriable),
      onRetry: (err, attempt, waitMs) => {
        failures++;
        const reason = `${what}: ${describeTelegramError(err)}`;
        if (failures >= UNHEALTHY_AFTER) health = { healthy: false, reason };
        // 409 while a webhook is set (someone registered one after we started): remove it again.
        if (err instanceof TelegramApiError && err.errorCode === 409 && /webhook/i.test(err.description)) webhookInTheWay = true;
        if (attempt === 1 || attempt % 10 === 0) logger.warn({ event: 'connector.retry', attempt, reason }, 'telegram poller retrying');
        return Math.max(waitMs, retryAfterMs(err) ?? 0);
      },
    });

  const succeeded = (): void => {
    failures = 0;
    health = { healthy: true };
  };

  const publish = async (update: Update): Promise<void> => {
    try {
      assertUpdate(update as unknown as Record<string, unknown>);
    } catch (err) {
      // Cannot answer 4xx to a poll; a malformed update is skipped so it cannot block the chat forever.
      ctx.reject('invalid');
      logger.warn({ event: 'connector.update_skipped', updateId: update.update_id, reason: (err as Error).message }, 'malformed update skipped');
      return;
    }
    const verdict = classifyUpdate(update);
    if (verdict.kind === 'ignore') {
      ctx.reject('ignored');
      return;
    }
    try {
      await guarded('publish', () =>
        ctx.ingest({ providerEventId: String(update.update_id), payload: update as unknown as Record<string, unknown>, meta: {} }),
      );
    } catch (err) {
      if (isLeadgateError(err) && !err.retriable && !signal.aborted) {
        logger.error({ event: 'connector.update_skipped', updateId: update.update_id, code: err.code }, 'update refused by the gateway, skipped');
        return;
      }
      throw err;
    }
    replier.afterAccepted(update.update_id, verdict.message);
  };

  const loop = async (): Promise<void> => {
    // getUpdates answers 409 while a webhook is set, and the library does not remove it for us.
    await guarded('deleteWebhook', () => api.deleteWebhook({}, signal));
    let offset = await guarded('load offset', () => loadOffset(ctx.checkpoints));
    while (!signal.aborted) {
      const updates = await guarded('getUpdates', async () => {
        if (webhookInTheWay) {
          await api.deleteWebhook({}, signal);
          webhookInTheWay = false;
        }
        const params = { timeout: config.pollTimeoutSec, limit: 100, allowed_updates: ALLOWED_UPDATES };
        return api.getUpdates(offset === undefined ? params : { ...params, offset }, signal);
      });
      succeeded();
      for (const update of updates) {
        // Updates not yet stored are fetched again after a restart; nothing is skipped by stopping.
        if (signal.aborted) return;
        await publish(update);
        const next = update.update_id + 1;
        await guarded('save offset', () => saveOffset(ctx.checkpoints, next));
        offset = next;
      }
    }
  };

  const running = loop().catch((err: unknown) => {
    if (signal.aborted) return;
    const reason = isAuthFailure(err) ? `Telegram rejected the bot token (${describeTelegramError(err)})` : describeTelegramError(err);
    health = { healthy: false, reason };
    logger.error({ event: 'connector.crash', reason }, 'telegram poller stopped');
  });

  let stopping: Promise<void> | undefined;
  return {
    health: () => health,
    stop() {
      stopping ??= (async () => {
        abort.abort(new Error('stopping'));
        await running;
        await replier.drain();
      })();
      return stopping;
    },
  };
}
