import { field, type TypeOf } from '../../platform/config/config-spec.js';
import { connectorConfig, type ConfigOf } from '../contract/define-connector.js';

/** Fields a form rule can pull out of a site's notification e-mail. Others go to the draft's `fields`. */
export const FORM_CONTACT_FIELDS = ['name', 'phone', 'email', 'message'] as const;

/** A regex field (validated as a regex at start). */
const regex = (description: string) => field.string({ description, format: 'regex', minLength: 1, maxLength: 500 });

/**
 * Turns a site's notification e-mail ("New request from the site: Имя: …, Телефон: …") into a lead of the
 * visitor, not of the notifier. A rule matches when every given matcher matches (case-insensitive).
 */
const formRuleField = field.object(
  {
    name: field.string({ description: 'shown in logs and as the draft\'s `source.form`', required: true, minLength: 1, maxLength: 100 }),
    from: regex('regex on the From address, e.g. `^noreply@shop\\.example$`'),
    subject: regex('regex on the subject'),
    labels: field.map(field.list(field.string({ description: 'a label', minLength: 1, maxLength: 100 }), { description: 'labels of one field', maxItems: 20 }), {
      description: 'extra labels per field (added to the built-in ones: Имя/Name, Телефон/Phone, E-mail/Почта, Сообщение/Comment)',
    }),
    fields: field.map(regex('a regex whose first capture group is the value'), { description: 'a regex per field whose first capture group is the value; wins over labels' }),
  },
  { description: 'a form rule', anyOf: [{ required: ['from'] }, { required: ['subject'] }] },
);

export type FormRule = TypeOf<typeof formRuleField>;

/** Post-processing after a message's raw event is durable: nothing, add `\Seen`, or move it to a folder. */
export type PostProcess = 'none' | 'seen' | `move:${string}`;

/** One mailbox. Each watched folder gets its own IMAP connection (IDLE watches one selected folder). */
export const emailConfigSpec = connectorConfig(
  'email',
  {
    host: field.string({ description: 'IMAP server host', required: true, minLength: 1, maxLength: 255 }),
    port: field.integer({ description: 'IMAP server port', minimum: 1, maximum: 65535, default: 993 }),
    secure: field.boolean({ description: 'implicit TLS (993); when false, STARTTLS is still used if the server offers it', default: true }),
    tlsRejectUnauthorized: field.boolean({ description: 'refuse self-signed certificates (turn off for a test or in-house server)', default: true }),
    user: field.string({ description: 'IMAP login', required: true, minLength: 1, maxLength: 320 }),
    password: field.string({ description: 'IMAP password (exactly one of `password`, `accessToken`)', minLength: 1, maxLength: 1000, secret: true }),
    accessToken: field.string({ description: 'OAuth2 (XOAUTH2) token instead of a password (Gmail, Microsoft 365)', minLength: 1, maxLength: 10000, secret: true }),
    folders: field.list(field.string({ description: 'a folder name', minLength: 1, maxLength: 500 }), { description: 'folders to watch, one IMAP connection each', minItems: 1, maxItems: 20, uniqueItems: true, default: ['INBOX'] }),
    pollIntervalMs: field.integer({ description: 'wait between checks when IDLE is off or unsupported', minimum: 200, maximum: 3_600_000, default: 60_000 }),
    idle: field.boolean({ description: 'use IMAP IDLE when the server supports it', default: true }),
    initialSync: field.oneOf(['all', 'new'], { description: 'first start of a folder (no checkpoint): publish every message already there, or only new ones', default: 'all' }),
    postProcess: field.string({ description: 'after a message is durable: `none`, `seen` (add `\\Seen`) or `move:<folder>`', pattern: '^(none|seen|move:.+)$', default: 'none' }).as<PostProcess>(),
    internalDomains: field.list(field.string({ description: 'a domain', pattern: '^[A-Za-z0-9.-]+\\.[A-Za-z]{2,}$' }), { description: 'senders from these domains (colleagues, own systems) are not leads', maxItems: 100, default: [] }),
    formRules: field.list(formRuleField, { description: 'rules that read a site\'s notification e-mails as the visitor\'s lead', maxItems: 50, default: [] }),
    // The draft's message is capped at 10 000 characters by the LeadDraft schema.
    maxBodyChars: field.integer({ description: 'body text kept in the raw event; longer text is cut with a marker', minimum: 100, maximum: 10_000, default: 10_000 }),
    authFailureLimit: field.integer({ description: 'authentication failures in a row after which the connector stops and reports itself disabled', minimum: 1, maximum: 100, default: 5 }),
    reconnectInitialMs: field.integer({ description: 'first reconnect wait (exponential backoff)', minimum: 10, maximum: 600_000, default: 1000 }),
    reconnectMaxMs: field.integer({ description: 'longest reconnect wait', minimum: 10, maximum: 3_600_000, default: 300_000 }),
  },
  // Exactly one credential: a config with both is ambiguous about which one the server gets.
  { oneOf: [{ required: ['password'] }, { required: ['accessToken'] }] },
);

export type EmailConfig = ConfigOf<typeof emailConfigSpec>;
