/** Calls to the gateway's admin API with the signed-in token; errors keep the gateway's code and reason. */

const tokenKey = 'leadgate.console.token';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

// Session storage: the token leaves with the tab, and other sites' scripts cannot read it (CSP, same origin).
export const session = {
  token(): string | null {
    return sessionStorage.getItem(tokenKey);
  },
  save(token: string): void {
    sessionStorage.setItem(tokenKey, token);
  },
  clear(): void {
    sessionStorage.removeItem(tokenKey);
  },
};

export const signedOutEvent = 'leadgate:signed-out';

interface ErrorBody {
  error?: { code?: string; message?: string; details?: Record<string, unknown> };
}

/** `GET`/`POST`/`PUT` a JSON endpoint; a 401 signs the console out. */
export async function api<T>(path: string, init: { method?: string; body?: unknown; token?: string } = {}): Promise<T> {
  const token = init.token ?? session.token() ?? '';
  const headers: Record<string, string> = { authorization: `Bearer ${token}`, accept: 'application/json' };
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(path, { method: init.method ?? 'GET', headers, ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}) });
  if (res.ok) return (await res.json()) as T;
  let body: ErrorBody = {};
  try {
    body = (await res.json()) as ErrorBody;
  } catch {
    // a proxy's HTML error page: the status says enough
  }
  if (res.status === 401 && init.token === undefined) window.dispatchEvent(new Event(signedOutEvent));
  throw new ApiError(res.status, body.error?.code ?? `HTTP_${res.status}`, body.error?.message ?? res.statusText, body.error?.details ?? {});
}

/** Fetches text (CSV export) with the token. */
export async function apiText(path: string): Promise<string> {
  const res = await fetch(path, { headers: { authorization: `Bearer ${session.token() ?? ''}`, accept: 'text/csv' } });
  if (!res.ok) throw new ApiError(res.status, `HTTP_${res.status}`, res.statusText);
  return res.text();
}
