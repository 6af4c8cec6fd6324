import type { ConnectorConfig } from '../connector.port.js';

/**
 * A Telegram bot. With `publicUrl` the connector runs in webhook mode (Telegram pushes updates to
 * `<publicUrl>/v1/hooks/<id>`); without it, it long-polls `getUpdates` from the gateway.
 */
export interface TelegramConfig extends ConnectorConfig {
  kind: 'telegram';
  /** The token from @BotFather (`123456:ABC…`); put it in the environment and reference it as `${TELEGRAM_BOT_TOKEN}`. */
  botToken: string;
  /** Public base URL of this gateway (`https://leads.example.com`); set → webhook mode. */
  publicUrl?: string;
  /** Sent back by Telegram as `X-Telegram-Bot-Api-Secret-Token`; required in webhook mode. */
  secretToken?: string;
  /** Bot API origin: a self-hosted Bot API server, or a local stub in tests. */
  apiRoot: string;
  /** Long-poll wait per `getUpdates` call, in seconds (polling mode). */
  pollTimeoutSec: number;
  /** Delete the webhook when the gateway stops (webhook mode). Turn off when several gateways share one bot. */
  unregisterOnStop: boolean;
  /** A message sent to the person after their message was durably accepted. */
  autoReply?: { text: string; cooldownMinutes: number };
}

export const DEFAULT_TELEGRAM_API_ROOT = 'https://api.telegram.org';

export const telegramConfigSchema = {
  $id: 'leadgate/connectors/telegram/config',
  type: 'object',
  additionalProperties: false,
  required: ['id', 'kind', 'botToken'],
  properties: {
    id: { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]{0,63}$' },
    kind: { const: 'telegram' },
    botToken: { type: 'string', pattern: '^[0-9]{1,20}:[A-Za-z0-9_-]{1,200}$' },
    publicUrl: { type: 'string', pattern: '^https?://[^\\s?#]+$', maxLength: 1000 },
    // Exactly what Telegram's setWebhook accepts (1–256 of A-Z a-z 0-9 _ -), so an existing bot's secret
    // is never refused; how long to make a new one is the operator's choice (the docs advise 32+).
    secretToken: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,256}$' },
    apiRoot: { type: 'string', pattern: '^https?://[^\\s?#]+$', default: DEFAULT_TELEGRAM_API_ROOT },
    pollTimeoutSec: { type: 'integer', minimum: 0, maximum: 50, default: 30 },
    unregisterOnStop: { type: 'boolean', default: true },
    autoReply: {
      type: 'object',
      additionalProperties: false,
      required: ['text'],
      properties: {
        // Telegram's limit for one message.
        text: { type: 'string', minLength: 1, maxLength: 4096 },
        cooldownMinutes: { type: 'integer', minimum: 0, maximum: 10080, default: 60 },
      },
    },
  },
  // A webhook without a secret would accept updates from anyone who learns the URL.
  dependencies: { publicUrl: ['secretToken'] },
} as const;

/** The URL Telegram posts to: the gateway mounts each connector under `/v1/hooks/<id>`. */
export function webhookUrlOf(config: Pick<TelegramConfig, 'id' | 'publicUrl'>): string | undefined {
  if (!config.publicUrl) return undefined;
  return `${config.publicUrl.replace(/\/+$/, '')}/v1/hooks/${config.id}`;
}
