import { setMaxListeners } from 'node:events';

/** The one retry helper: exponential backoff with full jitter, a cap, and `bail` for errors not worth retrying. */
export interface RetryOptions {
  /** Attempts in total, including the first. Infinity retries until `bail` or success. */
  retries: number;
  initialMs?: number;
  maxMs?: number;
  factor?: number;
  /** Called before each wait; may return a longer wait (e.g. Retry-After) in ms. */
  onRetry?: (err: unknown, attempt: number, waitMs: number) => number | void;
  /** Return true to stop retrying and rethrow at once. */
  bail?: (err: unknown) => boolean;
  signal?: AbortSignal;
}

export function backoffMs(attempt: number, initialMs = 100, maxMs = 30_000, factor = 2): number {
  const ceiling = Math.min(maxMs, initialMs * factor ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
}

/**
 * An AbortController whose signal many concurrent sleepers may wait on (every key worker of a consumer
 * batch): each `sleep` adds a listener and removes it when done, so the count is bounded by the workers,
 * and Node's default warning at 11 listeners would only be noise on stderr.
 */
export function sharedAbortController(): AbortController {
  const controller = new AbortController();
  setMaxListeners(0, controller.signal);
  return controller;
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Waits for `work` unless `signal` aborts first, then rejects with its reason. The work itself is not
 * stopped (a promise cannot be): its eventual outcome is ignored.
 */
export function unlessAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    work.catch(() => undefined);
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}

export async function retry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const { retries, initialMs = 100, maxMs = 30_000, factor = 2 } = options;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (attempt >= retries || options.bail?.(err) || options.signal?.aborted) throw err;
      let wait = backoffMs(attempt, initialMs, maxMs, factor);
      const override = options.onRetry?.(err, attempt, wait);
      if (typeof override === 'number') wait = override;
      await sleep(wait, options.signal);
    }
  }
}
