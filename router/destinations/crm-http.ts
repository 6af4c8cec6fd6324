import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import axios, { isAxiosError, type AxiosInstance, type Method } from 'axios';
import { LeadgateError } from '../../contracts/errors.js';
import { mapHttpError } from './http-error.mapper.js';
import type { ParkRequest } from './destination.port.js';

/** A CRM's answer as the per-CRM classifiers see it. */
export interface CrmAnswer {
  status: number;
  data: unknown;
  headers: Record<string, unknown>;
}

/** Turns a non-2xx answer into a LeadgateError, or returns undefined to fall back to the generic mapping. */
export type CrmErrorClassifier = (answer: CrmAnswer) => LeadgateError | undefined;

export function createCrmHttp(options: { baseURL: string; timeoutMs: number; headers?: Record<string, string> }): AxiosInstance {
  return axios.create({
    baseURL: options.baseURL,
    timeout: options.timeoutMs,
    httpAgent: new HttpAgent({ keepAlive: true, maxSockets: 16 }),
    httpsAgent: new HttpsAgent({ keepAlive: true, maxSockets: 16 }),
    maxRedirects: 0,
    headers: { 'content-type': 'application/json', 'user-agent': 'leadgate', ...options.headers },
  });
}

/**
 * One request to a CRM: JSON in, JSON out. A failure is classified by the CRM's own rules first (throttling
 * codes, blocks), then by the generic HTTP mapping (5xx/408/429 retriable, other 4xx permanent).
 */
export async function crmRequest<T>(
  http: AxiosInstance,
  destinationId: string,
  classify: CrmErrorClassifier,
  method: Method,
  url: string,
  data?: unknown,
): Promise<{ status: number; data: T }> {
  try {
    const response = await http.request<T>({ method, url, ...(data !== undefined ? { data } : {}) });
    return { status: response.status, data: response.data };
  } catch (err) {
    if (isAxiosError(err) && err.response) {
      const answer = { status: err.response.status, data: err.response.data as unknown, headers: err.response.headers as Record<string, unknown> };
      const classified = classify(answer);
      if (classified) throw classified;
    }
    throw mapHttpError(err, destinationId);
  }
}

export function unavailable(destinationId: string, message: string, answer: CrmAnswer | undefined, extra: { retryAfterMs?: number; park?: ParkRequest } = {}): LeadgateError {
  return new LeadgateError('DESTINATION_UNAVAILABLE', `${destinationId}: ${message}`, {
    details: {
      ...(answer ? { response: { status: answer.status, body: answer.data } } : {}),
      ...(extra.retryAfterMs !== undefined ? { retryAfterMs: extra.retryAfterMs } : {}),
      ...(extra.park ? { park: extra.park } : {}),
    },
  });
}

export function rejected(destinationId: string, message: string, answer?: CrmAnswer): LeadgateError {
  return new LeadgateError('DESTINATION_REJECTED', `${destinationId}: ${message}`, {
    details: answer ? { response: { status: answer.status, body: answer.data } } : {},
  });
}

/**
 * A delivery that refers to a record the CRM does not have yet (an activity whose lead.create is still
 * on the retry topic). Retriable for a while, then permanent so it reaches the DLQ instead of cycling.
 */
export function missingTarget(destinationId: string, what: string, priorAttempts: number): LeadgateError {
  if (priorAttempts >= 8) return rejected(destinationId, `${what} is not in the CRM`);
  return unavailable(destinationId, `${what} is not in the CRM yet`, undefined, { retryAfterMs: 5_000 });
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
