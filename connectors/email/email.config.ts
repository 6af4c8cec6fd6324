import type { ConnectorConfig } from '../connector.port.js';

/** Fields a form rule can pull out of a site's notification e-mail. Others go to the draft's `fields`. */
export const FORM_CONTACT_FIELDS = ['name', 'phone', 'email', 'message'] as const;

/**
 * Turns a site's notification e-mail ("New request from the site: Имя: …, Телефон: …") into a lead of the
 * visitor, not of the notifier. A rule matches when every given matcher matches (case-insensitive).
 */
export interface FormRule {
  /** Shown in logs and as the draft's `source.form`. */
  name: string;
  /** Regex on the From address, e.g. `^noreply@shop\.example$`. */
  from?: string;
  /** Regex on the subject. */
  subject?: string;
  /** Extra labels per field (added to the built-in ones: Имя/Name, Телефон/Phone, E-mail/Почта, Сообщение/Comment). */
  labels?: Record<string, string[]>;
  /** A regex per field whose first capture group is the value; wins over labels. Any field name is allowed. */
  fields?: Record<string, string>;
}

/** Post-processing after a message's raw event is durable: nothing, add `\Seen`, or move it to a folder. */
export type PostProcess = 'none' | 'seen' | `move:${string}`;

/** One mailbox. Each watched folder gets its own IMAP connection (IDLE watches one selected folder). */
export interface EmailConfig extends ConnectorConfig {
  kind: 'email';
  host: string;
  port: number;
  /** Implicit TLS (993). When false, imapflow still upgrades with STARTTLS if the server offers it. */
  secure: boolean;
  /** Accept self-signed certificates (a test or in-house server). */
  tlsRejectUnauthorized: boolean;
  user: string;
  password?: string;
  /** OAuth2 (XOAUTH2) token instead of a password (Gmail, Microsoft 365). */
  accessToken?: string;
  folders: string[];
  /** Wait between checks when IDLE is off or unsupported. */
  pollIntervalMs: number;
  idle: boolean;
  /** First start of a folder (no checkpoint): publish every message already there, or only new ones. */
  initialSync: 'all' | 'new';
  postProcess: PostProcess;
  /** Senders from these domains (colleagues, own systems) are not leads. */
  internalDomains: string[];
  formRules: FormRule[];
  /** Body text kept in the raw event; longer text is cut with a marker. */
  maxBodyChars: number;
  /** Authentication failures in a row after which the connector stops and reports itself disabled. */
  authFailureLimit: number;
  /** Reconnect backoff (platform/retry.ts backoffMs): first and largest wait. */
  reconnectInitialMs: number;
  reconnectMaxMs: number;
}

const regex = { type: 'string', format: 'regex', minLength: 1, maxLength: 500 } as const;

export const emailConfigSchema = {
  $id: 'leadgate/connectors/email/config',
  type: 'object',
  additionalProperties: false,
  required: ['id', 'kind', 'host', 'user'],
  // Exactly one credential: a config with both is ambiguous about which one the server gets.
  oneOf: [{ required: ['password'] }, { required: ['accessToken'] }],
  properties: {
    id: { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]{0,63}$' },
    kind: { const: 'email' },
    host: { type: 'string', minLength: 1, maxLength: 255 },
    port: { type: 'integer', minimum: 1, maximum: 65535, default: 993 },
    secure: { type: 'boolean', default: true },
    tlsRejectUnauthorized: { type: 'boolean', default: true },
    user: { type: 'string', minLength: 1, maxLength: 320 },
    password: { type: 'string', minLength: 1, maxLength: 1000 },
    accessToken: { type: 'string', minLength: 1, maxLength: 10000 },
    folders: { type: 'array', minItems: 1, maxItems: 20, uniqueItems: true, items: { type: 'string', minLength: 1, maxLength: 500 }, default: ['INBOX'] },
    pollIntervalMs: { type: 'integer', minimum: 200, maximum: 3_600_000, default: 60_000 },
    idle: { type: 'boolean', default: true },
    initialSync: { enum: ['all', 'new'], default: 'all' },
    postProcess: { type: 'string', pattern: '^(none|seen|move:.+)$', default: 'none' },
    internalDomains: {
      type: 'array',
      maxItems: 100,
      items: { type: 'string', pattern: '^[A-Za-z0-9.-]+\\.[A-Za-z]{2,}$' },
      default: [],
    },
    formRules: {
      type: 'array',
      maxItems: 50,
      default: [],
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name'],
        anyOf: [{ required: ['from'] }, { required: ['subject'] }],
        properties: {
          name: { type: 'string', minLength: 1, maxLength: 100 },
          from: regex,
          subject: regex,
          labels: { type: 'object', additionalProperties: { type: 'array', maxItems: 20, items: { type: 'string', minLength: 1, maxLength: 100 } } },
          fields: { type: 'object', additionalProperties: regex },
        },
      },
    },
    // The draft's message is capped at 10 000 characters by the LeadDraft schema.
    maxBodyChars: { type: 'integer', minimum: 100, maximum: 10_000, default: 10_000 },
    authFailureLimit: { type: 'integer', minimum: 1, maximum: 100, default: 5 },
    reconnectInitialMs: { type: 'integer', minimum: 10, maximum: 600_000, default: 1000 },
    reconnectMaxMs: { type: 'integer', minimum: 10, maximum: 3_600_000, default: 300_000 },
  },
} as const;
