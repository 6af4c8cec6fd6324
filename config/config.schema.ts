import { connectorIdSchema } from '../connectors/contract/connector-id.js';
import { destinationConfigSchema } from '../router/destinations/destination.schema.js';
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
        host: { description: 'gateway listen address', type: 'string', default: '0.0.0.0' },
        port: { description: 'gateway port (0: any free port)', type: 'integer', minimum: 0, maximum: 65535, default: 8080 },
        bodyLimitBytes: { description: 'larger request bodies get 413', type: 'integer', minimum: 1024, maximum: 52428800, default: 262144 },
        headersTimeoutMs: { description: 'slow-client protection: time to receive the headers', type: 'integer', minimum: 1000, default: 10000 },
        requestTimeoutMs: { description: 'slow-client protection: time to receive the whole request', type: 'integer', minimum: 1000, default: 30000 },
        keepAliveTimeoutMs: { description: 'idle keep-alive connections are closed after this', type: 'integer', minimum: 1000, default: 5000 },
        maxConnections: { description: 'concurrent connections per gateway process', type: 'integer', minimum: 1, default: 10000 },
        shutdownGraceMs: { description: 'SIGTERM: readiness turns 503 at once; this long from the signal for in-flight requests and consumer batches, then open connections are cut and running handlers abandoned uncommitted (redelivered)', type: 'integer', minimum: 0, maximum: 600000, default: 10000 },
      },
    },
    metrics: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        port: { description: 'serve /metrics on this port only (not on the public webhook port)', type: 'integer', minimum: 0, maximum: 65535 },
        host: { description: 'address of the separate metrics listener', type: 'string', default: '0.0.0.0' },
        token: { description: 'bearer token /metrics requires (constant-time compare)', type: 'string', minLength: 16 },
      },
    },
    admin: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        /** Bearer token for the admin API and the live stream; without it both refuse every request. */
        token: { description: 'bearer token of the admin API and the live stream; without it both refuse every request', type: 'string', minLength: 16 },
        /** Read-only console tokens, one per owner (docs/console.md#operator-tokens). */
        operators: {
          description: 'read-only console tokens, each for the operators of one owner: live stream of that owner only, lookup, reports, masked dead letters; every change answers 403 (docs/console.md)',
          type: 'array',
          default: [],
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['ownerId', 'token'],
            properties: {
              ownerId: { description: 'the owner (router.owners[].id) whose live events this token sees', type: 'string', pattern: '^\\S{1,128}$' },
              token: { description: 'the bearer token; from env interpolation like every secret, at least 16 characters, distinct from the admin token', type: 'string', minLength: 16 },
            },
          },
        },
      },
    },
    stream: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        /** The operators' WebSocket stream on the gateway (`GET /v1/stream`, admin token); see docs/live-stream.md. */
        enabled: { description: "the operators' WebSocket stream `GET /v1/stream` (docs/live-stream.md)", type: 'boolean', default: true },
        heartbeatMs: { description: 'ping interval; a client missing a pong is dropped', type: 'integer', minimum: 50, maximum: 300000, default: 30000 },
        maxClients: { description: 'stream clients per gateway process', type: 'integer', minimum: 1, maximum: 100000, default: 1000 },
        maxBufferedBytes: { description: "a slower client's send buffer cap before it is dropped", type: 'integer', minimum: 1024, maximum: 67108864, default: 1048576 },
        maxEventAgeMs: { description: 'older live events are not pushed', type: 'integer', minimum: 1000, default: 60000 },
      },
    },
    bus: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        namespace: { description: 'prefix for topics and consumer groups, to share one cluster', type: 'string', pattern: '^[a-zA-Z0-9_-]{1,64}$' },
        kafka: {
          type: 'object',
          additionalProperties: false,
          required: ['brokers'],
          properties: {
            brokers: { description: 'Kafka brokers `host:port`; switches the bus from the embedded log to Kafka', type: 'array', minItems: 1, items: { type: 'string', pattern: '^[^\\s:]+:\\d+$' } },
            clientId: { description: 'Kafka client id', type: 'string', default: 'leadgate' },
            partitions: { description: 'partitions of the topics Leadgate creates', type: 'integer', minimum: 1, maximum: 1000, default: 12 },
          },
        },
        spool: {
          type: 'object',
          additionalProperties: false,
          properties: {
            enabled: { description: 'gateway spools raw events locally while Kafka is unreachable', type: 'boolean', default: true },
            dataDir: { description: 'spool directory', type: 'string', default: './data/spool' },
            maxRecords: { description: 'spool capacity; beyond it webhooks get 503', type: 'integer', minimum: 1, default: 100000 },
          },
        },
        /** Consumers' poison guard (platform/bus/poison-guard.ts). */
        poison: {
          type: 'object',
          additionalProperties: false,
          default: {},
          properties: {
            attempts: { description: 'consumers: tries of a record failing transiently before it is dead-lettered', type: 'integer', minimum: 1, maximum: 1000, default: 8 },
            sameFailureLimit: { description: 'consumers: the same error this many times in a row counts as permanent', type: 'integer', minimum: 1, maximum: 100, default: 3 },
            initialMs: { description: 'consumers: first retry delay (exponential, with jitter)', type: 'integer', minimum: 1, default: 200 },
            maxMs: { description: 'consumers: longest retry delay', type: 'integer', minimum: 1, default: 10000 },
          },
        },
      },
    },
    store: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        url: { description: 'PostgreSQL URL; switches the store from PGlite to PostgreSQL', type: 'string', pattern: '^postgres(ql)?://' },
        /** Connections per process to PostgreSQL (`url`); the embedded store has one. */
        poolSize: { description: 'PostgreSQL connections per process', type: 'integer', minimum: 1, maximum: 500, default: 20 },
        dataDir: { description: 'PGlite directory of the embedded store (one process at a time: locked)', type: 'string', default: './data' },
      },
    },
    normalizer: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        defaultRegion: { description: 'region for phones typed without a country code', type: 'string', pattern: '^[A-Z]{2}$', default: 'RU' },
        mergeWindowMinutes: { description: "a contact's new request within this window joins its open lead", type: 'number', minimum: 0, default: 1440 },
        mergeWindows: {
          description: 'merge window per channel (minutes), overriding `mergeWindowMinutes`',
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
            vanity: { description: 'read letters in phone numbers as keypad digits', type: 'boolean', default: true },
            assumeDefaultRegion: { description: 'numbers without a country code take `defaultRegion`', type: 'boolean', default: true },
          },
        },
        email: {
          type: 'object',
          additionalProperties: false,
          default: {},
          properties: { providerRules: { description: 'apply provider rules (Gmail dots, plus tags) when matching e-mails', type: 'boolean', default: false } },
        },
        name: {
          type: 'object',
          additionalProperties: false,
          default: {},
          properties: { titleCase: { description: 'title-case names typed in one case', type: 'boolean', default: false } },
        },
        sharedContacts: {
          type: 'object',
          additionalProperties: false,
          default: {},
          properties: {
            phones: {
              description: 'phone numbers several people use (office switchboard): kept on the lead, never an identity, so their callers are not merged',
              type: 'array',
              maxItems: 1000,
              items: { type: 'string', minLength: 1, maxLength: 100 },
              default: [],
            },
            emails: {
              description: 'e-mail addresses several people use (a client firm’s office@): kept on the lead, never an identity',
              type: 'array',
              maxItems: 1000,
              items: { type: 'string', minLength: 1, maxLength: 320 },
              default: [],
            },
          },
        },
        /** Provider time (`occurredAt`) decides the lead window when within these bounds of receipt. */
        eventTime: {
          type: 'object',
          additionalProperties: false,
          default: {},
          properties: {
            maxSkewMinutes: { description: "the provider's time is the event time when at most this far ahead of receipt", type: 'number', minimum: 0, default: 15 },
            maxPastDays: { description: "…and at most this far behind it (late mail, spool, replay, import); else receipt time, flagged", type: 'number', minimum: 0, default: 30 },
          },
        },
        /** Id-less requests with the same body collapse only within this window from the first receipt. */
        contentDedupe: {
          type: 'object',
          additionalProperties: false,
          default: {},
          properties: { retryWindowMinutes: { description: 'id-less requests with the same body collapse within this window from the first receipt', type: 'number', exclusiveMinimum: 0, default: 10 } },
        },
        /** One transaction (one commit, one fsync) per fetched batch of raw events instead of per event. */
        batch: {
          type: 'object',
          additionalProperties: false,
          default: {},
          properties: {
            enabled: { description: 'normalize each fetched batch of raw events in one transaction (off: one transaction per event)', type: 'boolean', default: true },
            maxRecords: { description: 'most raw events in one batch transaction', type: 'integer', minimum: 1, maximum: 10000, default: 500 },
          },
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
          description: 'people (or queues) leads are assigned to',
          type: 'array',
          minItems: 1,
          items: ownerConfigSchema,
          default: [{ id: 'default-owner' }],
        },
        rules: routingRulesSchema,
        /** Owner (or CRM queue id) for leads no rule matches or nobody in the pool can take. */
        fallbackOwner: { description: 'owner (or CRM queue id) for leads no rule matches or nobody in the pool can take', type: 'string', minLength: 1 },
        sla: slaConfigSchema,
        callbacks: callbacksConfigSchema,
        destination: destinationConfigSchema,
        retry: {
          type: 'object',
          additionalProperties: false,
          default: {},
          properties: {
            attempts: { description: 'in-place delivery attempts before the retry topic', type: 'integer', minimum: 1, default: 5 },
            initialMs: { description: 'first backoff', type: 'integer', minimum: 1, default: 200 },
            maxMs: { description: 'backoff cap', type: 'integer', minimum: 1, default: 30000 },
          },
        },
        /** One transaction per fetched batch of Lead v1 for owner assignments and SLA timers. */
        batch: {
          type: 'object',
          additionalProperties: false,
          default: {},
          properties: {
            enabled: { description: 'assign each fetched batch of leads in one transaction and deliver its contacts concurrently (off: one transaction per lead)', type: 'boolean', default: true },
            maxRecords: { description: 'most leads in one batch transaction', type: 'integer', minimum: 1, maximum: 10000, default: 500 },
          },
        },
      },
    },
    connectors: {
      description: 'connector instances `{id, kind, …}`, each validated against its kind\'s schema (see Channels)',
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'kind'],
        properties: { id: connectorIdSchema, kind: { description: 'connector kind (`forms`, `telegram`, …)', type: 'string' } },
      },
    },
  },
} as const;
