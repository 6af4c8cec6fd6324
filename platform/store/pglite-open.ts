import { PGlite, types } from '@electric-sql/pglite';

/**
 * PostgreSQL settings for the embedded database. PGlite's defaults size the buffer pool at 128 MB, which
 * with the WASM heap's own growth puts one process near 300 MB before any load; 16 MB of shared buffers
 * holds the hot end of the log and the identity indexes, and reads beyond it come from the OS page cache.
 * Written into the directory's postgresql.conf on every open, so an older directory gets them too.
 */
export const embeddedPostgresConf = ['shared_buffers = 16MB', 'temp_buffers = 2MB', 'work_mem = 2MB', 'maintenance_work_mem = 16MB', 'wal_buffers = 1MB'];

/** Opens PGlite with the settings every embedded store uses (int8 as string, as with `pg`). */
export function openPglite(dataDir: string | undefined): Promise<PGlite> {
  return PGlite.create({
    dataDir,
    relaxedDurability: false,
    parsers: { [types.INT8]: (value: string) => value },
    postgresqlconf: embeddedPostgresConf,
  });
}
