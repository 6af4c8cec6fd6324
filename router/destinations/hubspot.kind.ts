import { defineDestination, required, str, type ConfigOf } from './destination.spec.js';
import type { InferShape } from './config-schema.builder.js';
import { HubSpotDestination } from './hubspot.destination.js';

/** The `hubspot` keys: the one place they are declared; the config type below is derived from them. */
const hubSpotSettings = {
  baseUrl: str({ description: 'API base URL', pattern: '^https?://', default: 'https://api.hubapi.com' }),
  token: required(str({ description: 'private-app token', minLength: 1 })),
  pipeline: str({ description: '`pipeline` of created deals; absent: the account chooses' }),
  dealStage: str({ description: '`dealstage` of created deals' }),
  dealKeyProperty: str({ description: 'a unique deal property holding our key: deals are then upserted by it (fully idempotent)', pattern: '^[a-z0-9_]+$' }),
  timeZone: str({ description: 'IANA zone of the account: its DAILY limit resets at midnight there', default: 'UTC' }),
};

export type HubSpotDestinationConfig = ConfigOf<'hubspot', typeof hubSpotSettings, 'section'>;

export const hubSpotKind = defineDestination({
  kind: 'hubspot',
  summary: 'HubSpot CRM v3 (contact + deal)',
  placement: 'section',
  settings: hubSpotSettings,
  secrets: ['token'],
  // The smallest plan allows 100 requests per 10 s.
  rateLimit: { perSecond: 9, burst: 10 },
  idempotency: ['ref-table', 'lookup-before-create', 'upsert-by-key'],
  parksOn: ['DAILY', '401 or 403 (by its category)'],
  create: (config: HubSpotDestinationConfig, refs) => new HubSpotDestination(config, refs),
});

export type HubSpotSettings = InferShape<typeof hubSpotSettings>;
