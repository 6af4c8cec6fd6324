import { destinationConfigSchema } from '../router/destinations/destination.config.js';
import { callbacksConfigSchema, ownerConfigSchema, routingRulesSchema, slaConfigSchema } from '../router/rules/routing.config.js';

/** JSON Schema of the whole configuration. Defaults are filled by ajv; unknown keys are errors. */
export const configSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['connectors'],
  properties: {
    server: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        host: { type: 'string', default: '0.0.0.0' },
        port: { type: 'integer', minimum: 0, maximum: 65535, default: 8080 },
        bodyLimitBytes: { type: 'integer', minimum: 1024, maximum: 52428800, default: 262144 },
        headersTimeoutMs: { type: 'integer', minimum: 1000, default: 10000 },
        requestTimeoutMs: { type: 'integer', minimum: 1000, default: 30000 },
        keepAliveTimeoutMs: { type: 'integer', minimum: 1000, default: 5000 },
        maxConnections: { type: 'integer', minimum: 1, default: 10000 },
        /** SIGTERM: readiness 503 at once, then this long for in-flight requests and consumer batches. */
        shutdownGraceMs: { type: 'integer', minimum: 0, maximum: 600000, default: 10000 },
      },
    },
    admin: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        /** Bearer token for the admin API and the live stream; without it both refuse every request. */
        token: { type: 'string', minLength: 16 },
      },
    },
    stream: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        /** The operators' WebSocket stream on the gateway (`GET /v1/stream`, admin token); see docs/live-stream.md. */
        enabled: { type: 'boolean', default: true },
        heartbeatMs: { type: 'integer', minimum: 50, maximum: 300000, default: 30000 },
        maxClients: { type: 'integer', minimum: 1, maximum: 100000, default: 1000 },
        maxBufferedBytes: { type: 'integer', minimum: 1024, maximum: 67108864, default: 1048576 },
        maxEventAgeMs: { type: 'integer', minimum: 1000, default: 60000 },
      },
    },
    bus: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        namespace: { type: 'string', pattern: '^[a-zA-Z0-9_-]{1,64}$' },
        kafka: {
          type: 'object',
          additionalProperties: false,
          required: ['brokers'],
          properties: {
            brokers: { type: 'array', minItems: 1, items: { type: 'string', pattern: '^[^\\s:]+:\\d+$' } },
            clientId: { type: 'string', default: 'leadgate' },
            partitions: { type: 'integer', minimum: 1, maximum: 1000, default: 12 },
          },
        },
        spool: {
          type: 'object',
          additionalProperties: false,
          properties: {
            enabled: { type: 'boolean', default: true },
            dataDir: { type: 'string', default: './data/spool' },
            maxRecords: { type: 'integer', minimum: 1, default: 100000 },
          },
        },
        /** Consumers' poison guard (platform/bus/poison-guard.ts). */
        poison: {
          type: 'object',
          additionalProperties: false,
          default: {},
          properties: {
            attempts: { type: 'integer', minimum: 1, maximum: 1000, default: 8 },
            sameFailureLimit: { type: 'integer', minimum: 1, maximum: 100, default: 3 },
            initialMs: { type: 'integer', minimum: 1, default: 200 },
            maxMs: { type: 'integer', minimum: 1, default: 10000 },
          },
        },
      },
    },
    store: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        url: { type: 'string', pattern: '^postgres(ql)?://' },
        /** Connections per process to PostgreSQL (`url`); the embedded store has one. */
        poolSize: { type: 'integer', minimum: 1, maximum: 500, default: 20 },
        dataDir: { type: 'string', default: './data' },
      },
    },
    normalizer: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        defaultRegion: { type: 'string', pattern: '^[A-Z]{2}$', default: 'RU' },
        mergeWindowMinutes: { type: 'number', minimum: 0, default: 1440 },
        mergeWindows: {
          type: 'object',
          default: {},
          propertyNames: { pattern: '^[a-z][a-z0-9_-]{0,49}$' },
          additionalProperties: { type: 'number', minimum: 0 },
        },
        phone: {
          type: 'object',
          additionalProperties: false,
          default: {},
          properties: {
            vanity: { type: 'boolean', default: true },
            assumeDefaultRegion: { type: 'boolean', default: true },
          },
        },
        email: {
          type: 'object',
          additionalProperties: false,
          default: {},
          properties: { providerRules: { type: 'boolean', default: false } },
        },
        name: {
          type: 'object',
          additionalProperties: false,
          default: {},
          properties: { titleCase: { type: 'boolean', default: false } },
        },
        /** Provider time (`occurredAt`) decides the lead window when within these bounds of receipt. */
        eventTime: {
          type: 'object',
          additionalProperties: false,
          default: {},
          properties: {
            maxSkewMinutes: { type: 'number', minimum: 0, default: 15 },
            maxPastDays: { type: 'number', minimum: 0, default: 30 },
          },
        },
        /** Id-less requests with the same body collapse only within this window from the first receipt. */
        contentDedupe: {
          type: 'object',
          additionalProperties: false,
          default: {},
          properties: { retryWindowMinutes: { type: 'number', exclusiveMinimum: 0, default: 10 } },
        },
      },
    },
    router: {
      type: 'object',
      additionalProperties: false,
      default: {},
      required: ['owners', 'destination'],
      properties: {
        owners: {
          type: 'array',
          minItems: 1,
          items: ownerConfigSchema,
          default: [{ id: 'default-owner' }],
        },
        rules: routingRulesSchema,
        /** Owner (or CRM queue id) for leads no rule matches or nobody in the pool can take. */
        fallbackOwner: { type: 'string', minLength: 1 },
        sla: slaConfigSchema,
        callbacks: callbacksConfigSchema,
        destination: destinationConfigSchema,
        retry: {
          type: 'object',
          additionalProperties: false,
          default: {},
          properties: {
            attempts: { type: 'integer', minimum: 1, default: 5 },
            initialMs: { type: 'integer', minimum: 1, default: 200 },
            maxMs: { type: 'integer', minimum: 1, default: 30000 },
          },
        },
      },
    },
    connectors: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'kind'],
        properties: { id: { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]{0,62}$' }, kind: { type: 'string' } },
      },
    },
  },
} as const;
