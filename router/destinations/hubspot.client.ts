import type { AxiosInstance, Method } from 'axios';
import type { LeadgateError } from '../../contracts/errors.js';
import { parseRetryAfter } from './http-error.mapper.js';
import { createCrmHttp, crmRequest, isRecord, rejected, unavailable, type CrmAnswer } from './crm-http.js';

/**
 * HubSpot CRM v3 with a private-app token. 429 bodies name the policy: the short windows
 * (`SECONDLY`, `TEN_SECONDLY_ROLLING`) are waited out; `DAILY` parks the destination until midnight in
 * the account's time zone, when the counter resets. 401/403 (token, missing scope) park until an operator acts.
 */
export class HubSpotClient {
  private readonly http: AxiosInstance;

  constructor(private readonly destinationId: string, baseUrl: string, token: string, timeoutMs: number, private readonly timeZone: string) {
    this.http = createCrmHttp({ baseURL: baseUrl.replace(/\/$/, ''), timeoutMs, headers: { authorization: `Bearer ${token}` } });
  }

  async request<T>(method: Method, url: string, data?: unknown): Promise<T> {
    return (await crmRequest<T>(this.http, this.destinationId, (a) => this.classify(a), method, url, data)).data;
  }

  private classify(answer: CrmAnswer): LeadgateError | undefined {
    const { status, data } = answer;
    const body = isRecord(data) ? data : {};
    if (status === 429) {
      const policy = String(body.policyName ?? '');
      if (policy === 'DAILY') {
        const untilMs = nextMidnight(this.timeZone);
        return unavailable(this.destinationId, 'HubSpot daily API limit reached (DAILY)', answer, {
          retryAfterMs: untilMs - Date.now(),
          park: { code: 'DAILY', reason: `HubSpot daily limit reached; resets at ${new Date(untilMs).toISOString()}`, untilMs },
        });
      }
      const windowMs = policy === 'TEN_SECONDLY_ROLLING' ? 10_000 : 1_000;
      return unavailable(this.destinationId, `HubSpot throttled the request (${policy || '429'})`, answer, {
        retryAfterMs: parseRetryAfter(answer.headers['retry-after']) ?? windowMs,
      });
    }
    if (status === 401 || status === 403) {
      const category = String(body.category ?? `HTTP_${status}`);
      return unavailable(this.destinationId, `HubSpot refused access (${status} ${category})`, answer, { park: { code: category, reason: `HubSpot answered ${status}: ${String(body.message ?? '')}` } });
    }
    // 423 Locked: a concurrent write to the same record; it clears in seconds.
    if (status === 423) return unavailable(this.destinationId, 'HubSpot record locked (423)', answer, { retryAfterMs: 2_000 });
    if (status >= 400 && status < 500 && status !== 408) {
      return rejected(this.destinationId, `HubSpot rejected the request: ${status} ${String(body.category ?? '')} ${String(body.message ?? '')}`.trim(), answer);
    }
    return undefined;
  }
}

/** The next local midnight in `timeZone`, as epoch ms (a DST day may be an hour off; the park then lasts a bit longer). */
export function nextMidnight(timeZone: string, now = Date.now()): number {
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' }).formatToParts(new Date(now));
  const get = (type: string): number => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const elapsedMs = ((get('hour') * 60 + get('minute')) * 60 + get('second')) * 1000 + (now % 1000);
  return now + 86_400_000 - elapsedMs;
}

/** A 409 CONFLICT names the existing record only in its message: "Contact already exists. Existing ID: 123". */
export function existingIdOf(err: LeadgateError): string | undefined {
  const response = err.details.response;
  if (!isRecord(response) || response.status !== 409 || !isRecord(response.body)) return undefined;
  const match = /Existing ID:\s*(\d+)/.exec(String(response.body.message ?? ''));
  return match?.[1];
}
