import { close as closeCb, closeSync, fdatasync as fdatasyncCb, open as openCb } from 'node:fs';
import { promisify } from 'node:util';

const fdatasync = promisify(fdatasyncCb);
const close = promisify(closeCb);
const open = promisify(openCb);
import { join, resolve } from 'node:path';
import type { PGlite, Results, Transaction } from '@electric-sql/pglite';
import { LeadgateError } from '../../contracts/errors.js';
import type { Logger } from '../telemetry/logger.js';
import { initialiseDataDir, isInitialised } from './pglite-first-open.js';
import { openPglite } from './pglite-open.js';
import type { Queryable, SqlParam, Store } from './store.port.js';

export interface PgliteStoreOptions {
  /** Directory holding the database; created on first open. Omitted: in memory, gone on close. */
  dataDir?: string;
  logger: Logger;
}

type Runner = Pick<Transaction, 'query' | 'exec'>;

/**
 * Without parameters the SQL may hold several statements (migrations), which only the simple protocol
 * accepts; `pg` behaves the same way, so both adapters agree on what `query(sql)` means.
 */
async function run<R>(db: Runner, sql: string, params?: SqlParam[]): Promise<{ rows: R[]; command?: string }> {
  if (params === undefined || params.length === 0) {
    const results = await db.exec(sql);
    const last = results.at(-1) as Results<R> | undefined;
    return { rows: last?.rows ?? [], command: last?.command };
  }
  const result = await db.query<R>(sql, params);
  return { rows: result.rows, command: result.command };
}

/**
 * Why the WAL is fsynced here: PGlite starts PostgreSQL with `-F` (fsync off) and Emscripten's NODEFS
 * has no fsync, so a commit reaches the OS page cache (a `kill -9` loses nothing) but never the disk
 * (a power cut could). After each write commit we fdatasync the current WAL segment ourselves, which
 * makes "committed" mean "on disk" for the commit record. `relaxedDurability` is left off as well,
 * although NodeFS writes through synchronously and ignores it.
 */
class WalSyncer {
  private fd: number | undefined;
  private name: string | undefined;
  /** The sync in progress and the one queued behind it: commits that finish meanwhile share the next one. */
  private running: Promise<void> | undefined;
  private queued: Promise<void> | undefined;

  constructor(private readonly walDir: string) {}

  /**
   * Resolves once everything committed before the call is on disk. fdatasync runs on libuv's thread pool,
   * not on the event loop, and concurrent callers share one sync (group fsync), as they share one commit.
   */
  sync(db: PGlite): Promise<void> {
    if (!this.running) {
      this.running = this.syncOnce(db).finally(() => (this.running = undefined));
      return this.running;
    }
    // Everyone who arrives while a sync runs waits for the next one, which starts after it: their commits
    // may have landed after the running sync read the WAL position.
    this.queued ??= this.running.then(
      () => this.startQueued(db),
      () => this.startQueued(db),
    );
    return this.queued;
  }

  private startQueued(db: PGlite): Promise<void> {
    this.queued = undefined;
    return this.sync(db);
  }

  private async syncOnce(db: PGlite): Promise<void> {
    const [row] = (await db.query<{ name: string }>('select pg_walfile_name(pg_current_wal_insert_lsn()) as name')).rows;
    if (row === undefined) return;
    if (row.name !== this.name) {
      // The commit record may sit at the end of the previous segment: flush that one before leaving it.
      if (this.fd !== undefined) {
        await fdatasync(this.fd);
        await close(this.fd);
      }
      this.fd = await open(join(this.walDir, row.name), 'r+');
      this.name = row.name;
    }
    await fdatasync(this.fd as number);
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

/**
 * The embedded store: PGlite, PostgreSQL in WASM, on a directory. PGlite is one connection; its own
 * mutex makes `query()` wait while a `tx()` is open, so statements never interleave with a transaction.
 * Inside `tx(fn)` use only the `q` handed to `fn`: calling `store.query` there waits for the
 * transaction that is waiting for it (deadlock).
 * int8 comes back as a string, as with `pg`.
 */
export async function createPgliteStore(options: PgliteStoreOptions): Promise<Store> {
  const started = Date.now();
  // `memory://` and the like are PGlite's own in-memory forms: nothing on disk to fsync or to initialise apart.
  const onDisk = options.dataDir !== undefined && options.dataDir !== '' && !options.dataDir.includes('://');
  let db: PGlite;
  try {
    if (onDisk && !isInitialised(options.dataDir as string)) await initialiseDataDir(options.dataDir as string);
    db = await openPglite(options.dataDir === '' ? undefined : options.dataDir);
  } catch (err) {
    throw new LeadgateError('STORE_UNAVAILABLE', `Cannot open the embedded database: ${String(err)}`, { retriable: false, cause: err });
  }
  options.logger.debug({ dataDir: options.dataDir ?? 'memory', ms: Date.now() - started }, 'store.embedded_opened');
  const wal = onDisk ? new WalSyncer(resolve(options.dataDir as string, 'pg_wal')) : undefined;
  let closing: Promise<void> | undefined;

  const guard = (): void => {
    if (closing !== undefined) throw new LeadgateError('STORE_UNAVAILABLE', 'The embedded store is closed', { retriable: false });
  };

  return {
    kind: 'embedded',
    async query<R extends Record<string, unknown>>(sql: string, params?: SqlParam[]): Promise<R[]> {
      guard();
      const result = await run<R>(db, sql, params);
      if (wal !== undefined && result.command !== 'SELECT') await wal.sync(db);
      return result.rows;
    },
    async tx<T>(fn: (q: Queryable) => Promise<T>): Promise<T> {
      guard();
      const result = await db.transaction(async (t) => {
        const q: Queryable = {
          query: async <R extends Record<string, unknown>>(sql: string, params?: SqlParam[]) => (await run<R>(t, sql, params)).rows,
        };
        return fn(q);
      });
      if (wal !== undefined) await wal.sync(db);
      return result;
    },
    async ready(): Promise<boolean> {
      if (closing !== undefined || db.closed) return false;
      try {
        await db.query('select 1');
        return true;
      } catch {
        return false;
      }
    },
    close(): Promise<void> {
      closing ??= (async () => {
        // PGlite's close waits for running queries, so an in-flight commit finishes first.
        await db.close();
        wal?.close();
      })();
      return closing;
    },
  };
}
