import { TelegramApiError } from 'node-telegram-bot-api';
import type { ConnectorContext, RunningIngress } from '../connector.port.js';
import { retry } from '../../platform/retry.js';
import { describeTelegramError, retryAfterMs, telegramRuntime, type TelegramRuntime } from './telegram.client.js';
import { webhookUrlOf, type TelegramConfig } from './telegram.config.js';
import { ALLOWED_UPDATES, startPolling } from './telegram.poller.js';

/** A 4xx other than 429 from setWebhook is a configuration fault (bad URL, bad token): retrying cannot fix it. */
function isPermanent(err: unknown): boolean {
  return err instanceof TelegramApiError && err.errorCode >= 400 && err.errorCode < 500 && err.errorCode !== 429;
}

/**
 * Webhook mode: registers `<publicUrl>/v1/hooks/<id>` with the secret, in the background so an
 * unreachable Telegram does not hold up the gateway (the route already verifies the secret locally);
 * `/ready` reports the connector unhealthy until Telegram accepted the registration.
 */
function startWebhook(ctx: ConnectorContext<TelegramConfig>, runtime: TelegramRuntime, url: string): RunningIngress {
  const { config, logger } = ctx;
  const abort = new AbortController();
  let health: ReturnType<RunningIngress['health']> = { healthy: false, reason: 'registering the webhook' };
  let registered = false;

  const registering = retry(() => runtime.api.setWebhook({ url, secret_token: config.secretToken ?? '', allowed_updates: ALLOWED_UPDATES }, abort.signal), {
    retries: Infinity,
    initialMs: 500,
    maxMs: 60_000,
    signal: abort.signal,
    bail: isPermanent,
    onRetry: (err, attempt, waitMs) => {
      health = { healthy: false, reason: `setWebhook: ${describeTelegramError(err)}` };
      if (attempt === 1 || attempt % 10 === 0) logger.warn({ event: 'connector.retry', attempt, reason: health.reason }, 'webhook registration retrying');
      return Math.max(waitMs, retryAfterMs(err) ?? 0);
    },
  }).then(
    () => {
      registered = true;
      health = { healthy: true };
    },
    (err: unknown) => {
      if (abort.signal.aborted) return;
      health = { healthy: false, reason: `setWebhook: ${describeTelegramError(err)}` };
      logger.error({ event: 'connector.crash', reason: health.reason }, 'webhook not registered');
    },
  );

  let stopping: Promise<void> | undefined;
  return {
    health: () => health,
    stop() {
      stopping ??= (async () => {
        abort.abort(new Error('stopping'));
        await registering;
        await runtime.replier.drain();
        if (!registered || !config.unregisterOnStop) return;
        try {
          await runtime.api.deleteWebhook({});
        } catch (err) {
          logger.warn({ event: 'connector.stop_failed', reason: describeTelegramError(err) }, 'webhook not removed');
        }
      })();
      return stopping;
    },
  };
}

/** `plugin.start`: webhook registration when `publicUrl` is set, else the long-polling loop. */
export async function startTelegramIngress(ctx: ConnectorContext<TelegramConfig>): Promise<RunningIngress> {
  const runtime = telegramRuntime(ctx.config, ctx.logger);
  const url = webhookUrlOf(ctx.config);
  return url ? startWebhook(ctx, runtime, url) : startPolling(ctx, runtime);
}
