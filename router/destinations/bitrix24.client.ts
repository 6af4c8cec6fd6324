import type { AxiosInstance } from 'axios';
import type { LeadgateError } from '../../contracts/errors.js';
import { parseRetryAfter } from './http-error.mapper.js';
import { createCrmHttp, crmRequest, isRecord, rejected, unavailable, type CrmAnswer } from './crm-http.js';

/** Errors that only a human can fix (support lifts the block, an admin fixes the webhook): park, never retry. */
export const bitrix24ParkCodes: ReadonlySet<string> = new Set(['OVERLOAD_LIMIT', 'NO_AUTH_FOUND', 'expired_token', 'INVALID_CREDENTIALS', 'ACCESS_DENIED', 'insufficient_scope', 'PORTAL_DELETED']);
/** The portal's leaky bucket drains about 2 requests/s: one second frees a slot. */
const throttlePauseMs = 1_000;

type Params = Record<string, unknown>;

/**
 * Bitrix24 REST through an incoming webhook: `POST <webhookUrl><method>.json` with a JSON body; answers
 * `{result}` or `{error, error_description}`. `batch` packs up to 50 calls into one request (one unit of
 * the portal's rate limit); its sub-calls travel as PHP-style query strings.
 */
export class Bitrix24Client {
  private readonly http: AxiosInstance;

  constructor(private readonly destinationId: string, webhookUrl: string, timeoutMs: number) {
    this.http = createCrmHttp({ baseURL: webhookUrl.endsWith('/') ? webhookUrl : `${webhookUrl}/`, timeoutMs });
  }

  async call<T>(method: string, params: Params): Promise<T> {
    const { status, data } = await crmRequest<unknown>(this.http, this.destinationId, (a) => this.classify(a), 'POST', `${method}.json`, params);
    // Some failures arrive with 200 and an `error` field; treat them like their HTTP twins.
    if (isRecord(data) && typeof data.error === 'string' && data.error) {
      throw this.classify({ status, data, headers: {} }) ?? rejected(this.destinationId, `${method}: ${data.error}`, { status, data, headers: {} });
    }
    return (isRecord(data) ? data.result : undefined) as T;
  }

  /** Runs up to 50 calls as one request; `halt` stops at the first failing sub-call. */
  async batch(cmd: Record<string, { method: string; params: Params }>, halt: boolean): Promise<Record<string, unknown>> {
    const entries = Object.entries(cmd);
    if (entries.length > 50) throw new Error('Bitrix24 batch takes at most 50 calls');
    const encoded = Object.fromEntries(entries.map(([k, c]) => [k, `${c.method}?${toQuery(c.params)}`]));
    const result = await this.call<{ result?: Record<string, unknown> | unknown[]; result_error?: Record<string, unknown> | unknown[] }>('batch', { halt: halt ? 1 : 0, cmd: encoded });
    const errors = isRecord(result?.result_error) ? result.result_error : {};
    const first = Object.entries(errors)[0];
    if (first) {
      const [k, e] = first;
      const err = isRecord(e) ? e : {};
      const answer: CrmAnswer = { status: 400, data: err, headers: {} };
      throw this.classify(answer) ?? rejected(this.destinationId, `batch ${k}: ${String(err.error)} ${String(err.error_description ?? '')}`.trim(), answer);
    }
    return isRecord(result?.result) ? result.result : {};
  }

  private classify(answer: CrmAnswer): LeadgateError | undefined {
    const code = isRecord(answer.data) && typeof answer.data.error === 'string' ? answer.data.error : '';
    const description = isRecord(answer.data) ? String(answer.data.error_description ?? '') : '';
    if (code === 'QUERY_LIMIT_EXCEEDED') {
      return unavailable(this.destinationId, 'Bitrix24 throttled the request (QUERY_LIMIT_EXCEEDED)', answer, {
        retryAfterMs: parseRetryAfter(answer.headers['retry-after']) ?? throttlePauseMs,
      });
    }
    if (bitrix24ParkCodes.has(code)) {
      return unavailable(this.destinationId, `Bitrix24 ${code}: ${description}`, answer, { park: { code, reason: `Bitrix24 answered ${code}${description ? `: ${description}` : ''}` } });
    }
    if (answer.status >= 500 || answer.status === 408 || answer.status === 429) return undefined;
    if (code) return rejected(this.destinationId, `Bitrix24 rejected the call: ${code} ${description}`.trim(), answer);
    return undefined;
  }
}

/** PHP bracket notation (`fields[TITLE]=…&fm[0][value]=…`), as Bitrix24 parses batch sub-calls. */
export function toQuery(params: Params): string {
  const pairs: string[] = [];
  const walk = (prefix: string, value: unknown): void => {
    if (value === undefined || value === null) return;
    if (Array.isArray(value)) value.forEach((v, i) => walk(`${prefix}[${i}]`, v));
    else if (isRecord(value)) for (const [k, v] of Object.entries(value)) walk(prefix ? `${prefix}[${k}]` : k, v);
    else pairs.push(`${encodeURIComponent(prefix)}=${encodeURIComponent(String(value))}`);
  };
  walk('', params);
  return pairs.join('&');
}
