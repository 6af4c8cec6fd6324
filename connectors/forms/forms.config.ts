import type { ConnectorConfig } from '../connector.port.js';

/**
 * Default honeypot field. Namespaced (`lg_`) so it never collides with a real field a person fills in, and
 * meaningless to browser autofill, so a human's browser does not fill it by accident. Sites add it as
 * `<input name="lg_hp" tabindex="-1" autocomplete="off" hidden>`; a form without it is simply not checked.
 */
export const DEFAULT_HONEYPOT_FIELD = 'lg_hp';

/** A web-forms connector instance: one per site or per group of forms sharing credentials. */
export interface FormsConfig extends ConnectorConfig {
  kind: 'forms';
  /** Shared token, sent as header `X-Leadgate-Token` or query `?token=` (Tilda cannot sign, so the URL carries it). */
  secret?: string;
  /** HMAC-SHA256 key: header `X-Leadgate-Signature: sha256=<hex of HMAC(raw body)>`, for sites posting from a backend. */
  hmacSecret?: string;
  /** A hidden field that must stay empty; filled means a bot, kept but flagged spam. */
  honeypotField: string;
  /** Origins (`https://example.com`) a browser may post from with fetch(); when set, any other Origin gets 403. */
  corsOrigins?: string[];
  /** Thank-you page: a plain HTML form post is answered 303 See Other to it. */
  redirectUrl?: string;
  /** ISO 3166 region used by the normalizer to read phones typed without a country code. */
  defaultRegion?: string;
  /**
   * Charset of bodies that declare none (no `charset=`, no `_charset_` field) and are not valid UTF-8.
   * Default `windows-1251`; `utf-8` refuses such bodies instead of guessing.
   */
  fallbackCharset?: string;
}

export const formsConfigSchema = {
  $id: 'leadgate/connectors/forms/config',
  type: 'object',
  additionalProperties: false,
  required: ['id', 'kind'],
  properties: {
    id: { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]{0,63}$' },
    kind: { const: 'forms' },
    // Long enough that a token in a URL cannot be guessed online.
    secret: { type: 'string', minLength: 16, maxLength: 256 },
    hmacSecret: { type: 'string', minLength: 16, maxLength: 256 },
    honeypotField: { type: 'string', pattern: '^[A-Za-z0-9_.-]{1,64}$', default: DEFAULT_HONEYPOT_FIELD },
    corsOrigins: {
      type: 'array',
      uniqueItems: true,
      maxItems: 100,
      // An origin is scheme://host[:port] with no path or trailing slash; browsers send it exactly so.
      items: { type: 'string', pattern: '^https?://[^/\\s]+$' },
    },
    redirectUrl: { type: 'string', pattern: '^https?://\\S+$', maxLength: 2000 },
    defaultRegion: { type: 'string', pattern: '^[A-Z]{2}$' },
    fallbackCharset: { type: 'string', pattern: '^[A-Za-z0-9_.:-]{1,40}$' },
  },
} as const;
