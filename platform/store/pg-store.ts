import pg from 'pg';
import { LeadgateError } from '../../contracts/errors.js';
import type { Logger } from '../telemetry/logger.js';
import type { Queryable, SqlParam, Store } from './store.port.js';

export interface PgStoreOptions {
  url: string;
  logger: Logger;
  /** Pool size. Default 20. */
  max?: number;
  /** How long `ready()` may take. Default 2000 ms. */
  timeoutMs?: number;
  /**
   * How long a query may wait for a pooled connection. Default 10 s: consumers run many keys at once, so
   * under load a wait of a few seconds is normal and must not fail (and retry) the handler.
   */
  acquireTimeoutMs?: number;
}

/**
 * SQLSTATE classes that mean "the server or the link is gone", not "your SQL is wrong":
 * 08 connection exception, 53 insufficient resources, 57P0x admin/crash shutdown, cannot connect now.
 */
function isConnectionFault(err: unknown): boolean {
  // Not `instanceof Error`: socket errors are made by Node core, which may be another realm (jest's vm).
  if (typeof err !== 'object' || err === null) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code !== 'string') return true;
  if (/^[0-9A-Z]{5}$/.test(code)) return code.startsWith('08') || code.startsWith('53') || code.startsWith('57P');
  // Node socket errors (ECONNREFUSED, ECONNRESET, ETIMEDOUT, ...) carry errno names, not SQLSTATEs.
  return true;
}

/** Connection faults become STORE_UNAVAILABLE (retriable); SQL errors keep their SQLSTATE for tx-retry. */
function translate(err: unknown): unknown {
  if (err instanceof LeadgateError || !isConnectionFault(err)) return err;
  const message = (err as { message?: unknown }).message ?? String(err);
  return new LeadgateError('STORE_UNAVAILABLE', `PostgreSQL is unavailable: ${message}`, { retriable: true, cause: err });
}

/**
 * The PostgreSQL store over a `pg` Pool.
 * int8/bigint columns come back as strings (pg's default), so `bigserial` ids survive beyond 2^53;
 * cast to `::int` in SQL where a number is wanted. The PGlite store is configured the same way.
 */
export function createPgStore(options: PgStoreOptions): Store {
  const timeoutMs = options.timeoutMs ?? 2000;
  const pool = new pg.Pool({ connectionString: options.url, max: options.max ?? 20, connectionTimeoutMillis: options.acquireTimeoutMs ?? 10_000 });
  // An idle client losing its server emits here; without a listener the process would crash.
  pool.on('error', (err) => options.logger.warn({ err }, 'store.idle_client_error'));
  let closing: Promise<void> | undefined;

  const run = async <R extends Record<string, unknown>>(client: pg.Pool | pg.PoolClient, sql: string, params?: SqlParam[]): Promise<R[]> => {
    try {
      const result = await client.query<R>(sql, params);
      // A multi-statement string (migrations) yields one result per statement; the last one is the answer.
      const last = Array.isArray(result) ? (result as pg.QueryResult<R>[]).at(-1) : result;
      return last?.rows ?? [];
    } catch (err) {
      throw translate(err);
    }
  };

  return {
    kind: 'postgres',
    query: (sql, params) => run(pool, sql, params),
    async tx<T>(fn: (q: Queryable) => Promise<T>): Promise<T> {
      let client: pg.PoolClient;
      try {
        client = await pool.connect();
      } catch (err) {
        throw translate(err);
      }
      // pg-pool drops its own 'error' listener from a client it hands out, so a session the server ends
      // between two statements (a restart, pg_terminate_backend) would be an unhandled 'error' event and
      // kill the process. Noted here instead; the next statement fails and the transaction is retried.
      let lost: Error | undefined;
      const onError = (err: Error): void => {
        lost = err;
        options.logger.warn({ err }, 'store.connection_lost_in_transaction');
      };
      client.on('error', onError);
      const release = (destroy?: Error | boolean): void => {
        client.off('error', onError);
        client.release(lost ?? destroy);
      };
      const q: Queryable = { query: (sql, params) => run(client, sql, params) };
      try {
        await run(client, 'BEGIN');
        const result = await fn(q);
        await run(client, 'COMMIT');
        release();
        return result;
      } catch (err) {
        try {
          await client.query('ROLLBACK');
          release();
        } catch (rollbackErr) {
          // The connection is in an unknown state: destroy it rather than hand it to the next caller.
          release(rollbackErr instanceof Error ? rollbackErr : true);
        }
        throw err;
      }
    },
    async ready(): Promise<boolean> {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), timeoutMs);
      });
      const probe = pool.query('select 1').then(
        () => true,
        () => false,
      );
      try {
        return await Promise.race([probe, timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
    close(): Promise<void> {
      closing ??= pool.end();
      return closing;
    },
  };
}
