import { isAxiosError } from 'axios';
import { LeadgateError } from '../../contracts/errors.js';

/** Seconds or an HTTP date, as RFC 9110 allows; capped so a hostile header cannot park us for days. */
export function parseRetryAfter(value: unknown, capMs = 15 * 60_000): number | undefined {
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.min(Math.max(0, seconds * 1000), capMs);
  const date = Date.parse(String(value));
  return Number.isNaN(date) ? undefined : Math.min(Math.max(0, date - Date.now()), capMs);
}

/**
 * Maps an HTTP failure to retriable or permanent: network errors, timeouts, 5xx, 408 and 429 are worth
 * another attempt; other 4xx mean the CRM will never take this record as it is.
 */
export function mapHttpError(err: unknown, destinationId: string): LeadgateError {
  if (!isAxiosError(err) || !err.response) {
    const message = err instanceof Error ? err.message : String(err);
    return new LeadgateError('DESTINATION_UNAVAILABLE', `${destinationId}: ${message}`, { cause: err });
  }
  const { status, data, headers } = err.response;
  const response = { status, body: data };
  if (status >= 500 || status === 408 || status === 429) {
    const retryAfterMs = parseRetryAfter(headers['retry-after']);
    return new LeadgateError('DESTINATION_UNAVAILABLE', `${destinationId} answered ${status}`, {
      cause: err,
      details: { response, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) },
    });
  }
  return new LeadgateError('DESTINATION_REJECTED', `${destinationId} rejected the delivery with ${status}`, { cause: err, details: { response } });
}
