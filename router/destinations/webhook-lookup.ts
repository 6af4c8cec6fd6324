import { isAxiosError, type AxiosInstance } from 'axios';
import { mapHttpError } from './http-error.mapper.js';

/** What the receiver's lookup endpoint said about one idempotency key. */
export type WebhookLookupResult = { found: false } | { found: true; externalId?: string; body: unknown };

/**
 * Asks the receiver whether it already has the record a delivery created: `GET <lookupUrl>?idempotencyKey=<key>`
 * answers 200 (it has it; `{id}` optional) or 404 (it does not). Anything else is an error classified like
 * a send (5xx/408/429 retriable, other 4xx permanent): guessing "not there" could create a second record.
 */
export async function lookupWebhookRecord(
  http: AxiosInstance,
  destinationId: string,
  lookupUrl: string,
  key: string,
  headers: Record<string, string>,
): Promise<WebhookLookupResult> {
  const url = new URL(lookupUrl);
  url.searchParams.set('idempotencyKey', key);
  try {
    const response = await http.get<unknown>(url.toString(), { headers });
    const data = response.data;
    const id = typeof data === 'object' && data !== null && 'id' in data ? (data as { id: unknown }).id : undefined;
    return { found: true, body: data, ...(id !== undefined && id !== null ? { externalId: String(id) } : {}) };
  } catch (err) {
    if (isAxiosError(err) && err.response?.status === 404) return { found: false };
    throw mapHttpError(err, destinationId);
  }
}

