/**
 * Configuration of routing, SLA and callback tasks (`router.owners`, `router.rules`, `router.fallbackOwner`,
 * `router.sla`, `router.callbacks`). Types and JSON Schema live together so they change together;
 * config/config.schema.ts embeds the schemas. See docs/routing.md.
 */

export type Weekday = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';
export const weekdays: readonly Weekday[] = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

/**
 * A weekly time window in local time: `from` ≤ t < `to` on each of `days`. When `to` ≤ `from` the window
 * runs across midnight and belongs to the day it starts on (fri 22:00–06:00 covers Saturday 03:00).
 */
export interface TimeWindow {
  days: Weekday[];
  from: string;
  to: string;
}

export interface WorkingHours {
  /** IANA zone, e.g. `Europe/Moscow`. */
  timezone: string;
  windows: TimeWindow[];
}

export interface OwnerConfig {
  id: string;
  name?: string;
  /** Share in `weighted` pools. Default 1. */
  weight?: number;
  /** Most open leads the owner may hold; a full owner is skipped. Absent: unlimited. */
  capacity?: number;
  /** Absent: always working. */
  hours?: WorkingHours;
  /** Initial availability; the admin API's switch (kept in the store) overrides it. Default true. */
  available?: boolean;
}

export type RoutingStrategy = 'round_robin' | 'weighted' | 'least_open_leads' | 'sticky' | 'fixed';
export type EscalationAction = 'reassign' | 'notify' | 'webhook';

/** Conditions of a rule; every given condition must hold, a list matches when any of its entries does. */
export interface RuleMatch {
  channels?: string[];
  connectors?: string[];
  /** `utm_source: [yandex, google]`: the lead's utm_source must be one of them. */
  utm?: Record<string, string[]>;
  /** The lead carries at least one of these tags. */
  tags?: string[];
  /** ISO 3166 country of the contact's first phone (libphonenumber-js), e.g. `RU`, `KZ`. */
  phoneCountries?: string[];
  /** E.164 prefixes for regions inside a country, e.g. `+7495`, `+7812`. */
  phonePrefixes?: string[];
  time?: { timezone: string } & TimeWindow;
}

export interface RoutingRule {
  id: string;
  match: RuleMatch;
  /** Owner ids; empty for `sticky` means every configured owner. */
  pool: string[];
  strategy: RoutingStrategy;
  /** First-response deadline in minutes (fractions allowed); absent: no SLA timer. */
  slaMinutes?: number;
  /** Overrides `router.sla.escalation` for leads of this rule. */
  escalation?: EscalationAction[];
}

export interface SlaConfig {
  pollIntervalMs: number;
  escalation: EscalationAction[];
  /** Escalations per lead; after the last one the timer stays `breached`. */
  maxEscalations: number;
  /** Live-stream key of supervisors; breaches are published with this key (else `all`). */
  supervisorId?: string;
  webhookUrl?: string;
  webhookTimeoutMs: number;
}

export interface CallbacksConfig {
  enabled: boolean;
  dueMinutes: number;
}

const timeOfDay = { type: 'string', pattern: '^([01]\\d|2[0-3]):[0-5]\\d$' } as const;
const dayList = { type: 'array', minItems: 1, items: { enum: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] } } as const;
const timeWindowProps = { days: dayList, from: timeOfDay, to: timeOfDay } as const;
const stringList = { type: 'array', items: { type: 'string', minLength: 1 } } as const;
const escalationList = { type: 'array', uniqueItems: true, items: { enum: ['reassign', 'notify', 'webhook'] } } as const;

export const ownerConfigSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id'],
  properties: {
    id: { type: 'string', minLength: 1 },
    name: { type: 'string' },
    weight: { type: 'integer', minimum: 1, maximum: 1000 },
    capacity: { type: 'integer', minimum: 0 },
    available: { type: 'boolean' },
    hours: {
      type: 'object',
      additionalProperties: false,
      required: ['timezone', 'windows'],
      properties: {
        timezone: { type: 'string', minLength: 1 },
        windows: {
          type: 'array',
          items: { type: 'object', additionalProperties: false, required: ['days', 'from', 'to'], properties: timeWindowProps },
        },
      },
    },
  },
} as const;

export const routingRulesSchema = {
  type: 'array',
  default: [],
  items: {
    type: 'object',
    additionalProperties: false,
    required: ['id', 'strategy'],
    properties: {
      id: { type: 'string', pattern: '^[a-zA-Z0-9_.-]{1,64}$' },
      match: {
        type: 'object',
        additionalProperties: false,
        default: {},
        properties: {
          channels: stringList,
          connectors: stringList,
          utm: { type: 'object', additionalProperties: stringList },
          tags: stringList,
          phoneCountries: { type: 'array', items: { type: 'string', pattern: '^[A-Z]{2}$' } },
          phonePrefixes: { type: 'array', items: { type: 'string', pattern: '^\\+\\d{1,14}$' } },
          time: {
            type: 'object',
            additionalProperties: false,
            required: ['timezone', 'days', 'from', 'to'],
            properties: { timezone: { type: 'string', minLength: 1 }, ...timeWindowProps },
          },
        },
      },
      pool: { ...stringList, default: [] },
      strategy: { enum: ['round_robin', 'weighted', 'least_open_leads', 'sticky', 'fixed'] },
      slaMinutes: { type: 'number', exclusiveMinimum: 0 },
      escalation: escalationList,
    },
  },
} as const;

export const slaConfigSchema = {
  type: 'object',
  additionalProperties: false,
  default: {},
  properties: {
    pollIntervalMs: { type: 'integer', minimum: 50, default: 5000 },
    escalation: { ...escalationList, default: ['notify'] },
    maxEscalations: { type: 'integer', minimum: 1, maximum: 20, default: 1 },
    supervisorId: { type: 'string', minLength: 1 },
    webhookUrl: { type: 'string', pattern: '^https?://' },
    webhookTimeoutMs: { type: 'integer', minimum: 100, default: 5000 },
  },
} as const;

export const callbacksConfigSchema = {
  type: 'object',
  additionalProperties: false,
  default: {},
  properties: {
    enabled: { type: 'boolean', default: true },
    dueMinutes: { type: 'number', exclusiveMinimum: 0, default: 15 },
  },
} as const;
