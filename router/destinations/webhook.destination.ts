import { createHmac } from 'node:crypto';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import axios, { type AxiosInstance } from 'axios';
import type { WebhookDestinationConfig } from './destination.config.js';
import type { Delivery } from '../../contracts/delivery.js';
import type { Destination, DeliveryReceipt, SendContext } from './destination.port.js';
import { mapHttpError } from './http-error.mapper.js';
import { signStandardWebhook } from './standard-webhooks.signer.js';
import { lookupWebhookRecord } from './webhook-lookup.js';

/**
 * The generic CRM webhook: POSTs `{event: <delivery kind>, idempotencyKey, ownerId, lead, callback?,
 * mergedContactId?}` with the delivery's `Idempotency-Key`, so a CRM that
 * honours the header never creates a second record for a retried request. Optional bearer token and
 * Standard Webhooks headers (`webhookSecret`), and the older `X-Leadgate-Signature: sha256=<hex HMAC>`
 * with a timestamp when `hmacSecret` is set.
 * A receiver that does not deduplicate by that key can offer `lookupUrl`: a delivery that may already
 * have arrived (in doubt after a crash, or a retry) is looked up there first and not sent again if found.
 */
export class WebhookDestination implements Destination {
  readonly id: string;
  private readonly http: AxiosInstance;

  constructor(private readonly config: WebhookDestinationConfig) {
    this.id = config.id;
    this.http = axios.create({
      timeout: config.timeoutMs,
      httpAgent: new HttpAgent({ keepAlive: true, maxSockets: 64 }),
      httpsAgent: new HttpsAgent({ keepAlive: true, maxSockets: 64 }),
      maxRedirects: 0,
      // The body is sent as the exact string that was signed.
      transformRequest: [(data: unknown) => data],
    });
  }

  async send(delivery: Delivery, context?: SendContext): Promise<DeliveryReceipt> {
    if (context?.maybeRetry && this.config.lookupUrl) {
      const auth: Record<string, string> = { 'user-agent': 'leadgate', ...(this.config.token ? { authorization: `Bearer ${this.config.token}` } : {}) };
      const found = await lookupWebhookRecord(this.http, this.id, this.config.lookupUrl, delivery.idempotencyKey, auth);
      if (found.found) return { status: 200, body: { existing: true, answer: found.body }, ...(found.externalId ? { externalId: found.externalId } : {}) };
    }
    // Every kind travels with its name in `event`; callback and merge details only when the kind has them.
    const body = JSON.stringify({
      event: delivery.kind,
      idempotencyKey: delivery.idempotencyKey,
      ownerId: delivery.ownerId,
      ...(this.config.ownerMap?.[delivery.ownerId] ? { crmOwnerId: this.config.ownerMap[delivery.ownerId] } : {}),
      lead: delivery.lead,
      ...(delivery.callback ? { callback: delivery.callback } : {}),
      ...(delivery.mergedContactId ? { mergedContactId: delivery.mergedContactId } : {}),
    });
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'idempotency-key': delivery.idempotencyKey,
      'user-agent': 'leadgate',
    };
    if (this.config.token) headers.authorization = `Bearer ${this.config.token}`;
    if (this.config.webhookSecret) Object.assign(headers, signStandardWebhook(this.config.webhookSecret, delivery.idempotencyKey, body));
    if (this.config.hmacSecret) {
      const timestamp = Math.floor(Date.now() / 1000).toString();
      const digest = createHmac('sha256', this.config.hmacSecret).update(`${timestamp}.${body}`).digest('hex');
      headers['x-leadgate-timestamp'] = timestamp;
      headers['x-leadgate-signature'] = `sha256=${digest}`;
    }
    try {
      const response = await this.http.post(this.config.url, body, { headers });
      const data = response.data as { id?: unknown } | undefined;
      const externalId = data && typeof data === 'object' && data.id !== undefined ? String(data.id) : undefined;
      return { status: response.status, body: response.data, ...(externalId ? { externalId } : {}) };
    } catch (err) {
      throw mapHttpError(err, this.id);
    }
  }
}
