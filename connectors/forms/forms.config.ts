import { field } from '../../platform/config/config-spec.js';
import { connectorConfig, type ConfigOf } from '../contract/define-connector.js';

/**
 * Default honeypot field. Namespaced (`lg_`) so it never collides with a real field a person fills in, and
 * meaningless to browser autofill, so a human's browser does not fill it by accident. Sites add it as
 * `<input name="lg_hp" tabindex="-1" autocomplete="off" hidden>`; a form without it is simply not checked.
 */
export const DEFAULT_HONEYPOT_FIELD = 'lg_hp';

/** A web-forms connector instance: one per site or per group of forms sharing credentials. */
export const formsConfigSpec = connectorConfig('forms', {
  // Long enough that a token in a URL cannot be guessed online.
  secret: field.string({ description: 'shared token, sent as header `X-Leadgate-Token` or query `?token=` (Tilda cannot sign, so the URL carries it)', minLength: 16, maxLength: 256, secret: true }),
  hmacSecret: field.string({ description: 'HMAC-SHA256 key: header `X-Leadgate-Signature: sha256=<hex of HMAC(raw body)>`, for sites posting from a backend', minLength: 16, maxLength: 256, secret: true }),
  honeypotField: field.string({ description: 'a hidden field that must stay empty; filled means a bot, kept but flagged spam', pattern: '^[A-Za-z0-9_.-]{1,64}$', default: DEFAULT_HONEYPOT_FIELD }),
  corsOrigins: field.list(
    // An origin is scheme://host[:port] with no path or trailing slash; browsers send it exactly so.
    field.string({ description: 'an origin `https://example.com`', pattern: '^https?://[^/\\s]+$' }),
    { description: 'origins a browser may post from with fetch(); when set, any other Origin gets 403', uniqueItems: true, maxItems: 100 },
  ),
  redirectUrl: field.string({ description: 'thank-you page: a plain HTML form post is answered 303 See Other to it', pattern: '^https?://\\S+$', maxLength: 2000 }),
  defaultRegion: field.string({ description: 'ISO 3166 region the normalizer reads phones typed without a country code in', pattern: '^[A-Z]{2}$' }),
  fallbackCharset: field.string({ description: 'charset of bodies that declare none and are not valid UTF-8 (default `windows-1251`; `utf-8` refuses them instead of guessing)', pattern: '^[A-Za-z0-9_.:-]{1,40}$' }),
});

export type FormsConfig = ConfigOf<typeof formsConfigSpec>;
