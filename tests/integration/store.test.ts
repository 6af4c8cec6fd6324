import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LeadgateError } from '../../contracts/errors.js';
import { migrate } from '../../platform/store/migrate.js';
import { migrations } from '../../platform/store/migrations/index.js';
import { openStore } from '../../platform/store/open-store.js';
import { createPgStore } from '../../platform/store/pg-store.js';
import type { Store } from '../../platform/store/store.port.js';
import { withTxRetry } from '../../platform/store/tx-retry.js';
import { createLogger } from '../../platform/telemetry/logger.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';

const logger = createLogger(process.env.LEADGATE_TEST_LOG_LEVEL ?? 'warn');

interface Target {
  name: string;
  /** Opens (or reopens) the same database. */
  open(): Promise<Store>;
  cleanup(): Promise<void>;
}

async function postgresTarget(): Promise<Target> {
  const db: TestDatabase = await createTestDatabase();
  return { name: 'postgres', open: () => openStore({ kind: 'postgres', url: db.url }, logger), cleanup: () => db.drop() };
}

async function pgliteTarget(): Promise<Target> {
  const dir = mkdtempSync(join(tmpdir(), 'leadgate-store-'));
  return {
    name: 'pglite',
    open: () => openStore({ kind: 'embedded', dataDir: join(dir, 'db') }, logger),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

const deferred = (): { promise: Promise<void>; resolve(): void } => {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
};

describe.each([
  ['postgres', postgresTarget],
  ['pglite', pgliteTarget],
])('Store on %s', (kind, makeTarget) => {
  let target: Target;
  let store: Store;

  beforeAll(async () => {
    target = await makeTarget();
    store = await target.open();
    await store.query('create table t (id serial primary key, name text not null unique)');
  });

  afterAll(async () => {
    await store?.close();
    await target?.cleanup();
  });

  test('applies every migration once and is idempotent on reopen', async () => {
    const rows = await store.query<{ version: number; name: string }>('select version, name from schema_migrations order by version');
    expect(rows).toEqual(migrations.map((m) => ({ version: m.version, name: m.name })));
    expect(await migrate(store, logger)).toEqual([]);
    expect(await store.ready()).toBe(true);
  });

  test('tx commits when fn resolves and rolls back when it throws', async () => {
    const id = await store.tx(async (q) => {
      const [row] = await q.query<{ id: number }>('insert into t (name) values ($1) returning id', ['committed']);
      return row?.id;
    });
    expect(id).toBeGreaterThan(0);
    await expect(
      store.tx(async (q) => {
        await q.query('insert into t (name) values ($1)', ['rolled-back']);
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    const names = (await store.query<{ name: string }>('select name from t order by id')).map((r) => r.name);
    expect(names).toContain('committed');
    expect(names).not.toContain('rolled-back');
  });

  test('int8 comes back as a string, jsonb as a value', async () => {
    const [row] = await store.query<{ n: unknown; j: unknown }>("select 9007199254740993::int8 as n, '{\"a\":[1]}'::jsonb as j");
    expect(row).toEqual({ n: '9007199254740993', j: { a: [1] } });
  });

  test('withTxRetry settles a unique-violation race: the loser re-runs and finds the winner', async () => {
    const name = `race-${kind}`;
    const firstInserted = deferred();
    const releaseFirst = deferred();
    let secondAttempts = 0;
    const claim = (q: { query: Store['query'] }) => async (): Promise<number> => {
      const found = await q.query<{ id: number }>('select id from t where name = $1', [name]);
      if (found[0] !== undefined) return found[0].id;
      const [row] = await q.query<{ id: number }>('insert into t (name) values ($1) returning id', [name]);
      return row?.id ?? -1;
    };

    // First transaction inserts and holds its transaction open until the second one has started.
    const first = withTxRetry(store, async (q) => {
      const id = await claim(q)();
      firstInserted.resolve();
      await releaseFirst.promise;
      return id;
    });
    await firstInserted.promise;
    const second = withTxRetry(store, async (q) => {
      secondAttempts++;
      return claim(q)();
    });
    if (kind === 'postgres') {
      // Let the first commit only once the second is blocked on the unique index: a real collision.
      const deadline = Date.now() + 10_000;
      while (Date.now() < deadline) {
        const waiting = await store.query("select 1 from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'");
        if (waiting.length > 0) break;
        await new Promise((r) => setTimeout(r, 10));
      }
    }
    // PGlite is one connection: the second transaction starts only after the first committed, so
    // there the race is settled by serialization and the second finds the row on its first run.
    releaseFirst.resolve();
    const [a, b] = await Promise.all([first, second]);
    expect(b).toBe(a);
    if (kind === 'postgres') expect(secondAttempts).toBe(2);
    const rows = await store.query('select id from t where name = $1', [name]);
    expect(rows).toHaveLength(1);
  });

  test('withTxRetry rethrows other errors at once', async () => {
    let attempts = 0;
    await expect(
      withTxRetry(store, async (q) => {
        attempts++;
        await q.query('select * from no_such_table');
      }),
    ).rejects.toMatchObject({ code: '42P01' });
    expect(attempts).toBe(1);
  });

  test('reopening keeps committed data', async () => {
    await store.query('insert into t (name) values ($1)', ['before-reopen']);
    await store.close();
    store = await target.open();
    const rows = await store.query('select 1 from t where name = $1', ['before-reopen']);
    expect(rows).toHaveLength(1);
    expect(await store.query('select version from schema_migrations')).toHaveLength(migrations.length);
  });
});

describe('Store on postgres: concurrency and faults', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  test('several processes migrating at once apply each version exactly once', async () => {
    const stores = Array.from({ length: 4 }, () => createPgStore({ url: db.url, logger }));
    try {
      const applied = await Promise.all(stores.map((s) => migrate(s, logger)));
      expect(applied.flat().sort()).toEqual(migrations.map((m) => m.version).sort());
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });

  test('a session the server ends inside a transaction fails that transaction, not the process', async () => {
    const store = createPgStore({ url: db.url, logger });
    const admin = createPgStore({ url: db.url, logger });
    try {
      const err: unknown = await store
        .tx(async (q) => {
          const [{ pid }] = await q.query<{ pid: number }>('select pg_backend_pid() as pid');
          await admin.query('select pg_terminate_backend($1)', [pid]);
          // The server's goodbye arrives between statements, while nobody is reading the connection.
          await new Promise((r) => setTimeout(r, 500));
          await q.query('select 1');
        })
        .catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'STORE_UNAVAILABLE', retriable: true });
      expect(await store.query<{ one: number }>('select 1 as one')).toEqual([{ one: 1 }]);
    } finally {
      await Promise.all([store.close(), admin.close()]);
    }
  });

  test('an unreachable server gives STORE_UNAVAILABLE (retriable) and ready() false', async () => {
    const store = createPgStore({ url: 'postgres://postgres@127.0.0.1:1/none', logger, timeoutMs: 500 });
    try {
      expect(await store.ready()).toBe(false);
      const err: unknown = await store.query('select 1').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(LeadgateError);
      expect(err).toMatchObject({ code: 'STORE_UNAVAILABLE', retriable: true });
    } finally {
      await store.close();
    }
  });
});
