import { retry } from '../retry.js';
import type { Queryable, Store } from './store.port.js';

/**
 * SQLSTATEs after which running the whole transaction again can succeed:
 * 40001 serialization failure, 40P01 deadlock, 23505 unique violation (identity races are settled by a
 * unique constraint: the loser re-runs and now finds the winner's row).
 */
const RETRIABLE_SQLSTATES = new Set(['40001', '40P01', '23505']);

export interface TxRetryOptions {
  /** Attempts in total, including the first. Default 5. */
  retries?: number;
  initialMs?: number;
  maxMs?: number;
}

/** The SQLSTATE of a database error (pg and PGlite both put it on `code`), looking through `cause`. */
export function sqlState(err: unknown): string | undefined {
  // Duck-typed, not `instanceof Error`: errors may come from another realm (jest's vm, worker threads).
  for (let e: unknown = err, depth = 0; typeof e === 'object' && e !== null && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return undefined;
}

export function isTxConflict(err: unknown): boolean {
  const code = sqlState(err);
  return code !== undefined && RETRIABLE_SQLSTATES.has(code);
}

/**
 * Runs `fn` in a transaction and re-runs the whole transaction on a conflict; any other error is
 * rethrown at once. `fn` must therefore be safe to run again (no side effects outside the transaction).
 */
export function withTxRetry<T>(store: Store, fn: (q: Queryable) => Promise<T>, options: TxRetryOptions = {}): Promise<T> {
  return retry(() => store.tx(fn), {
    retries: options.retries ?? 5,
    initialMs: options.initialMs ?? 10,
    maxMs: options.maxMs ?? 1000,
    bail: (err) => !isTxConflict(err),
  });
}
