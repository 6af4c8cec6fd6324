import type { ConnectorPlugin } from '../connector.port.js';
import { telegramConfigSchema, type TelegramConfig } from './telegram.config.js';
import { startTelegramIngress } from './telegram.ingress.js';
import { mapTelegramUpdate } from './telegram.mapping.js';
import { createTelegramRouter } from './telegram.webhook.js';

/**
 * A Telegram bot as a lead channel. Webhook mode (`publicUrl` set): registers its webhook on start,
 * verifies `X-Telegram-Bot-Api-Secret-Token` on every call, removes the webhook on stop. Polling mode:
 * long-polls `getUpdates`, storing the offset only after each update is durable. Either way one
 * update is one raw event keyed by `update_id`.
 */
export const telegramConnector: ConnectorPlugin<TelegramConfig> = {
  kind: 'telegram',
  channel: 'telegram',
  configSchema: telegramConfigSchema,
  mapper: mapTelegramUpdate,
  createRouter: createTelegramRouter,
  start: startTelegramIngress,
};
