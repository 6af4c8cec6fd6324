/**
 * Configuration of the one CRM destination a router delivers to (`router.destination`): a choice by
 * `kind`, each kind with its own section, plus the resilience settings every kind shares. The JSON
 * Schema lives next to the types so the two change together; config/config.schema.ts embeds it.
 */

/** Token bucket: `perSecond` sustained, up to `burst` at once. Absent: the kind's documented default. */
export interface RateLimitConfig {
  perSecond: number;
  burst: number;
}

export interface CircuitBreakerConfig {
  /** Consecutive retriable failures that open the breaker. */
  consecutiveFailures: number;
  /** How long it stays open before one probe is let through (half-open). */
  halfOpenAfterMs: number;
}

interface DestinationCommon {
  id: string;
  timeoutMs: number;
  /** Our owner id → the CRM's user id (Bitrix24 ASSIGNED_BY_ID, amo responsible_user_id, HubSpot hubspot_owner_id). */
  ownerMap: Record<string, string>;
  rateLimit?: RateLimitConfig;
  circuitBreaker: CircuitBreakerConfig;
}

export interface WebhookDestinationConfig extends DestinationCommon {
  kind: 'webhook';
  url: string;
  token?: string;
  hmacSecret?: string;
  /** Standard Webhooks signing secret (`whsec_<base64>`): `webhook-id`, `webhook-timestamp`, `webhook-signature`. */
  webhookSecret?: string;
  /**
   * Optional `GET <lookupUrl>?idempotencyKey=<key>` → 200 (the receiver has it) or 404: asked before a
   * send that may be a repeat, for receivers that do not deduplicate by Idempotency-Key themselves.
   */
  lookupUrl?: string;
}

export interface Bitrix24Settings {
  /** Incoming-webhook base, `https://<portal>/rest/<user_id>/<code>/`; the method name is appended. */
  webhookUrl: string;
  /** SOURCE_ID of created leads (crm.status.list ENTITY_ID=SOURCE). */
  sourceId: string;
  /** Link a new lead to an existing CRM contact found by phone/e-mail (crm.duplicate.findbycomm). */
  linkDuplicates: boolean;
}

export interface AmoCrmSettings {
  /** `https://<subdomain>.amocrm.ru` or `https://<subdomain>.kommo.com`. */
  baseUrl: string;
  /** Long-lived token of a private integration. */
  token: string;
  pipelineId?: number;
  statusId?: number;
  /** `complex`: POST /api/v4/leads/complex; `unsorted`: the Incoming leads (forms / sip) endpoints. */
  mode: 'complex' | 'unsorted';
  sourceName: string;
  sourceUid: string;
  /** Task type of callback tasks (1 = call). */
  taskTypeId: number;
  /** A lead custom field (text) holding our idempotency key, searched before a retried create. */
  keyFieldId?: number;
}

export interface HubSpotSettings {
  baseUrl: string;
  /** Private-app token. */
  token: string;
  pipeline?: string;
  dealStage?: string;
  /** A unique deal property holding our key: deals are then upserted by it (fully idempotent). */
  dealKeyProperty?: string;
  /** IANA zone of the account: its DAILY limit resets at midnight there. */
  timeZone: string;
}

/** The webhook's flat keys read as undefined on the other kinds, so code can probe them without narrowing. */
interface NoWebhookKeys {
  url?: undefined;
  token?: undefined;
  hmacSecret?: undefined;
  webhookSecret?: undefined;
  lookupUrl?: undefined;
}

export interface Bitrix24DestinationConfig extends DestinationCommon, NoWebhookKeys {
  kind: 'bitrix24';
  bitrix24: Bitrix24Settings;
}
export interface AmoCrmDestinationConfig extends DestinationCommon, NoWebhookKeys {
  kind: 'amocrm';
  amocrm: AmoCrmSettings;
}
export interface HubSpotDestinationConfig extends DestinationCommon, NoWebhookKeys {
  kind: 'hubspot';
  hubspot: HubSpotSettings;
}

export type DestinationConfig = WebhookDestinationConfig | Bitrix24DestinationConfig | AmoCrmDestinationConfig | HubSpotDestinationConfig;
export type DestinationKind = DestinationConfig['kind'];

const httpUrl = { type: 'string', pattern: '^https?://' } as const;
const kinds = ['webhook', 'bitrix24', 'amocrm', 'hubspot'] as const;
const sections = ['bitrix24', 'amocrm', 'hubspot'] as const;

/** One branch per kind: its section is required and the other kinds' sections are forbidden. */
function branch(kind: (typeof kinds)[number], required: string[]): object {
  const forbidden = Object.fromEntries(sections.filter((s) => s !== kind).map((s) => [s, false]));
  return { if: { properties: { kind: { const: kind } } }, then: { required, properties: forbidden } };
}

export const destinationConfigSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['kind'],
  default: { kind: 'webhook', url: 'http://127.0.0.1:9090/leads' },
  properties: {
    id: { type: 'string', pattern: '^[a-zA-Z0-9_-]{1,64}$', default: 'crm' },
    kind: { enum: kinds },
    timeoutMs: { type: 'integer', minimum: 100, default: 10000 },
    ownerMap: { type: 'object', additionalProperties: { type: 'string', minLength: 1 }, default: {} },
    rateLimit: {
      type: 'object',
      additionalProperties: false,
      required: ['perSecond'],
      properties: { perSecond: { type: 'number', exclusiveMinimum: 0 }, burst: { type: 'integer', minimum: 1, default: 1 } },
    },
    circuitBreaker: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        consecutiveFailures: { type: 'integer', minimum: 1, default: 5 },
        halfOpenAfterMs: { type: 'integer', minimum: 100, default: 30000 },
      },
    },
    // webhook (the original flat shape, kept valid)
    url: httpUrl,
    token: { type: 'string', minLength: 1 },
    hmacSecret: { type: 'string', minLength: 8 },
    webhookSecret: { type: 'string', pattern: '^whsec_[A-Za-z0-9+/]{16,}={0,2}$' },
    lookupUrl: httpUrl,
    bitrix24: {
      type: 'object',
      additionalProperties: false,
      required: ['webhookUrl'],
      properties: {
        webhookUrl: { type: 'string', pattern: '^https?://.+/rest/\\d+/[^/]+/?$' },
        sourceId: { type: 'string', default: 'WEB' },
        linkDuplicates: { type: 'boolean', default: true },
      },
    },
    amocrm: {
      type: 'object',
      additionalProperties: false,
      required: ['baseUrl', 'token'],
      properties: {
        baseUrl: httpUrl,
        token: { type: 'string', minLength: 1 },
        pipelineId: { type: 'integer' },
        statusId: { type: 'integer' },
        mode: { enum: ['complex', 'unsorted'], default: 'complex' },
        sourceName: { type: 'string', default: 'Leadgate' },
        sourceUid: { type: 'string', default: 'leadgate' },
        taskTypeId: { type: 'integer', default: 1 },
        keyFieldId: { type: 'integer' },
      },
    },
    hubspot: {
      type: 'object',
      additionalProperties: false,
      required: ['token'],
      properties: {
        baseUrl: { ...httpUrl, default: 'https://api.hubapi.com' },
        token: { type: 'string', minLength: 1 },
        pipeline: { type: 'string' },
        dealStage: { type: 'string' },
        dealKeyProperty: { type: 'string', pattern: '^[a-z0-9_]+$' },
        timeZone: { type: 'string', default: 'UTC' },
      },
    },
  },
  allOf: [branch('webhook', ['url']), branch('bitrix24', ['bitrix24']), branch('amocrm', ['amocrm']), branch('hubspot', ['hubspot'])],
} as const;
