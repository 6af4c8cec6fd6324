import { field } from '../../platform/config/config-spec.js';
import { connectorConfig, type ConfigOf } from '../contract/define-connector.js';

export const DEFAULT_TELEGRAM_API_ROOT = 'https://api.telegram.org';

/**
 * A Telegram bot. With `publicUrl` the connector runs in webhook mode (Telegram pushes updates to
 * `<publicUrl>/v1/hooks/<id>`); without it, it long-polls `getUpdates` from the gateway.
 */
export const telegramConfigSpec = connectorConfig(
  'telegram',
  {
    botToken: field.string({ description: 'the token from @BotFather (`123456:ABC…`); reference it from the environment as `${TELEGRAM_BOT_TOKEN}`', required: true, pattern: '^[0-9]{1,20}:[A-Za-z0-9_-]{1,200}$', secret: true }),
    publicUrl: field.string({ description: 'public base URL of this gateway (`https://leads.example.com`); set → webhook mode', pattern: '^https?://[^\\s?#]+$', maxLength: 1000 }),
    // Exactly what Telegram's setWebhook accepts (1–256 of A-Z a-z 0-9 _ -), so an existing bot's secret
    // is never refused; how long to make a new one is the operator's choice (the docs advise 32+).
    secretToken: field.string({ description: 'sent back by Telegram as `X-Telegram-Bot-Api-Secret-Token`; required in webhook mode', pattern: '^[A-Za-z0-9_-]{1,256}$', secret: true }),
    apiRoot: field.string({ description: 'Bot API origin: a self-hosted Bot API server, or a local stub in tests', pattern: '^https?://[^\\s?#]+$', default: DEFAULT_TELEGRAM_API_ROOT }),
    pollTimeoutSec: field.integer({ description: 'long-poll wait per `getUpdates` call, in seconds (polling mode)', minimum: 0, maximum: 50, default: 30 }),
    unregisterOnStop: field.boolean({ description: 'delete the webhook when the gateway stops (webhook mode); turn off when several gateways share one bot', default: true }),
    autoReply: field.object(
      {
        // Telegram's limit for one message.
        text: field.string({ description: 'the reply text', required: true, minLength: 1, maxLength: 4096 }),
        cooldownMinutes: field.integer({ description: 'at most one reply per chat within this many minutes', minimum: 0, maximum: 10080, default: 60 }),
      },
      { description: 'a message sent to the person after their message was durably accepted' },
    ),
  },
  // A webhook without a secret would accept updates from anyone who learns the URL.
  { dependencies: { publicUrl: ['secretToken'] } },
);

export type TelegramConfig = ConfigOf<typeof telegramConfigSpec>;

/** The URL Telegram posts to: the gateway mounts each connector under `/v1/hooks/<id>`. */
export function webhookUrlOf(config: Pick<TelegramConfig, 'id' | 'publicUrl'>): string | undefined {
  if (!config.publicUrl) return undefined;
  return `${config.publicUrl.replace(/\/+$/, '')}/v1/hooks/${config.id}`;
}
