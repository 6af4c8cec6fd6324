import { bitrix24ParkCodes } from './bitrix24.client.js';
import { Bitrix24Destination } from './bitrix24.destination.js';
import { bool, defineDestination, required, str, type ConfigOf } from './destination.spec.js';
import type { InferShape } from './config-schema.builder.js';

/** The `bitrix24` keys: the one place they are declared; the config type below is derived from them. */
const bitrix24Settings = {
  webhookUrl: required(str({ description: 'incoming-webhook base, `https://<portal>/rest/<user_id>/<code>/`; the method name is appended', pattern: '^https?://.+/rest/\\d+/[^/]+/?$' })),
  sourceId: str({ description: 'SOURCE_ID of created leads (crm.status.list ENTITY_ID=SOURCE)', default: 'WEB' }),
  linkDuplicates: bool({ description: 'link a new lead to an existing CRM contact found by phone/e-mail (crm.duplicate.findbycomm)', default: true }),
};

export type Bitrix24DestinationConfig = ConfigOf<'bitrix24', typeof bitrix24Settings, 'section'>;

export const bitrix24Kind = defineDestination({
  kind: 'bitrix24',
  summary: 'Bitrix24 CRM through an incoming webhook',
  placement: 'section',
  settings: bitrix24Settings,
  // The webhook URL carries the credential in its path.
  secrets: ['webhookUrl'],
  // Leaky bucket drains 2 req/s (burst 50; 10 kept in reserve for other apps on the portal).
  rateLimit: { perSecond: 2, burst: 40 },
  idempotency: ['ref-table', 'lookup-before-create'],
  parksOn: [...bitrix24ParkCodes],
  create: (config: Bitrix24DestinationConfig, refs) => new Bitrix24Destination(config, refs),
});

export type Bitrix24Settings = InferShape<typeof bitrix24Settings>;
