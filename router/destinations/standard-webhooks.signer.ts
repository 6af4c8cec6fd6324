import { createHmac } from 'node:crypto';

/** The `whsec_` prefix of a Standard Webhooks secret; the rest is the base64 key. */
const PREFIX = 'whsec_';

/** The three headers of the Standard Webhooks specification (https://www.standardwebhooks.com). */
export interface StandardWebhookHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

/** The raw key of a `whsec_<base64>` secret. */
export function standardWebhookKey(secret: string): Buffer {
  return Buffer.from(secret.startsWith(PREFIX) ? secret.slice(PREFIX.length) : secret, 'base64');
}

/**
 * Signs one delivery as the spec says: `v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">`, so a
 * CRM can verify it with any off-the-shelf Standard Webhooks library. `id` stays the same across retries
 * of one delivery (we use its idempotency key), which lets the receiver deduplicate.
 */
export function signStandardWebhook(secret: string, id: string, body: string, timestampSec = Math.floor(Date.now() / 1000)): StandardWebhookHeaders {
  const timestamp = String(timestampSec);
  const signature = createHmac('sha256', standardWebhookKey(secret)).update(`${id}.${timestamp}.${body}`).digest('base64');
  return { 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': `v1,${signature}` };
}
