import { defineConnector } from '../contract/define-connector.js';
import { telegramConfigSpec } from './telegram.config.js';
import { startTelegramIngress } from './telegram.ingress.js';
import { mapTelegramUpdate } from './telegram.mapping.js';
import { createTelegramRouter } from './telegram.webhook.js';

/**
 * A Telegram bot as a lead channel. Webhook mode (`publicUrl` set): registers its webhook on start,
 * verifies `X-Telegram-Bot-Api-Secret-Token` on every call, removes the webhook on stop. Polling mode:
 * long-polls `getUpdates`, storing the offset in `ctx.checkpoints` only after each update is durable.
 * Either way one update is one raw event keyed by `update_id`.
 */
export const telegramConnector = defineConnector({
  channel: 'telegram',
  config: telegramConfigSpec,
  mapper: mapTelegramUpdate,
  createRouter: createTelegramRouter,
  start: startTelegramIngress,
});
