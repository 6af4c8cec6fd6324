import type { AxiosInstance, Method } from 'axios';
import type { LeadgateError } from '../../contracts/errors.js';
import { parseRetryAfter } from './http-error.mapper.js';
import { createCrmHttp, crmRequest, isRecord, rejected, unavailable, type CrmAnswer } from './crm-http.js';

/**
 * amoCRM / Kommo API v4 with a long-lived token (`Authorization: Bearer`). Above 7 requests/s the account
 * answers 429; repeated violations block the IP with 403 on everything, so a 403 parks the destination
 * (hammering would extend the block) and so do 401 (token revoked or expired) and 402 (account unpaid).
 */
export class AmoCrmClient {
  private readonly http: AxiosInstance;

  constructor(private readonly destinationId: string, baseUrl: string, token: string, timeoutMs: number) {
    this.http = createCrmHttp({ baseURL: baseUrl.replace(/\/$/, ''), timeoutMs, headers: { authorization: `Bearer ${token}` } });
  }

  async request<T>(method: Method, url: string, data?: unknown): Promise<T | undefined> {
    // 204 No Content is amo's "nothing found" for reads.
    const { status, data: body } = await crmRequest<T>(this.http, this.destinationId, (a) => this.classify(a), method, url, data);
    return status === 204 ? undefined : body;
  }

  private classify(answer: CrmAnswer): LeadgateError | undefined {
    const { status, data } = answer;
    if (status === 429) {
      const bodyWait = isRecord(data) && typeof data.retry_after === 'number' ? data.retry_after * 1000 : undefined;
      return unavailable(this.destinationId, 'amoCRM throttled the request (429)', answer, {
        retryAfterMs: Math.max(1_000, parseRetryAfter(answer.headers['retry-after']) ?? bodyWait ?? 1_000),
      });
    }
    if (status === 401 || status === 402 || status === 403) {
      const what = status === 403 ? 'blocked (IP block after rate-limit violations, or forbidden)' : status === 401 ? 'refused the token' : 'says the account is unpaid';
      return unavailable(this.destinationId, `amoCRM ${what} (${status})`, answer, { park: { code: `HTTP_${status}`, reason: `amoCRM ${what}` } });
    }
    if (status === 400 && isRecord(data) && Array.isArray(data['validation-errors'])) {
      return rejected(this.destinationId, `amoCRM validation failed: ${validationReasons(data['validation-errors']).join('; ')}`, answer);
    }
    return undefined;
  }
}

/** `validation-errors[].errors[]` → `path code: detail`, the DLQ reason an operator can act on. */
export function validationReasons(list: unknown[]): string[] {
  return list.flatMap((entry) => {
    const errors: unknown[] = isRecord(entry) && Array.isArray(entry.errors) ? entry.errors : [];
    return errors.map((e) => (isRecord(e) ? `${String(e.path ?? '?')} ${String(e.code ?? '')}: ${String(e.detail ?? '')}`.trim() : String(e)));
  });
}
