import { defineDestination, str, required, type ConfigOf } from './destination.spec.js';
import { WebhookDestination } from './webhook.destination.js';

const httpUrl = '^https?://';

/** The generic JSON webhook; its keys stay flat under `router.destination` (the original shape). */
/** The `webhook` keys: the one place they are declared; the config type below is derived from them. */
const webhookSettings = {
  url: required(str({ description: 'webhook: URL each delivery is POSTed to', pattern: httpUrl })),
  token: str({ description: 'webhook: bearer token sent as `Authorization`', minLength: 1 }),
  hmacSecret: str({ description: 'webhook: secret of the legacy `X-Leadgate-Signature: sha256=<hex HMAC>` header', minLength: 8 }),
  webhookSecret: str({ description: 'webhook: Standard Webhooks signing secret (`whsec_<base64>`): `webhook-id`, `webhook-timestamp`, `webhook-signature`', pattern: '^whsec_[A-Za-z0-9+/]{16,}={0,2}$' }),
  lookupUrl: str({
    description: 'webhook: `GET <lookupUrl>?idempotencyKey=<key>` → 200 (the receiver has it) or 404, asked before a send that may be a repeat',
    pattern: httpUrl,
  }),
};

export type WebhookDestinationConfig = ConfigOf<'webhook', typeof webhookSettings, 'flat'>;

export const webhookKind = defineDestination({
  kind: 'webhook',
  summary: 'generic JSON webhook (POST with Idempotency-Key, optional signatures)',
  placement: 'flat',
  settings: webhookSettings,
  secrets: ['token', 'hmacSecret', 'webhookSecret'],
  idempotency: ['idempotency-key', 'lookup-before-create'],
  parksOn: [],
  create: (config: WebhookDestinationConfig) => new WebhookDestination(config),
});

