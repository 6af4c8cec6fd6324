import type { Logger } from '../telemetry/logger.js';
import { migrations as allMigrations, type Migration } from './migrations/index.js';
import type { Store } from './store.port.js';

/** Any constant works; it only has to be the same in every process that migrates this database. */
const MIGRATION_LOCK_KEY = 7_346_201_001;

/**
 * Applies the migrations not yet recorded in `schema_migrations`, in version order, each in its own
 * transaction together with its record. Several processes may start at once against one PostgreSQL:
 * each transaction first takes a transaction-scoped advisory lock, so they apply one at a time and the
 * later ones find the version already recorded. Returns the versions this call applied.
 */
export async function migrate(store: Store, logger: Logger, list: readonly Migration[] = allMigrations): Promise<number[]> {
  const ordered = [...list].sort((a, b) => a.version - b.version);
  const applied: number[] = [];
  for (const migration of ordered) {
    const didApply = await store.tx(async (q) => {
      await q.query('select pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
      // Created under the lock, because two concurrent `create table if not exists` can still collide.
      await q.query(
        'create table if not exists schema_migrations (version int primary key, name text not null, applied_at timestamptz not null default now())',
      );
      const done = await q.query('select 1 from schema_migrations where version = $1', [migration.version]);
      if (done.length > 0) return false;
      await q.query(migration.sql);
      await q.query('insert into schema_migrations (version, name) values ($1, $2)', [migration.version, migration.name]);
      return true;
    });
    if (didApply) {
      applied.push(migration.version);
      logger.info({ version: migration.version, name: migration.name }, 'store.migration_applied');
    }
  }
  return applied;
}
