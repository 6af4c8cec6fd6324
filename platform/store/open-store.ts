import type { Logger } from '../telemetry/logger.js';
import { migrate } from './migrate.js';
import { createPgStore } from './pg-store.js';
import { createPgliteStore } from './pglite-store.js';
import type { Store } from './store.port.js';

export type StoreConfig = { kind: 'postgres'; url: string; poolSize?: number } | { kind: 'embedded'; dataDir?: string };

/** Opens the configured store and brings its schema up to date; the caller owns `close()`. */
export async function openStore(config: StoreConfig, logger: Logger): Promise<Store> {
  const store = config.kind === 'postgres' ? createPgStore({ url: config.url, logger, ...(config.poolSize ? { max: config.poolSize } : {}) }) : await createPgliteStore({ dataDir: config.dataDir, logger });
  try {
    await migrate(store, logger);
    return store;
  } catch (err) {
    await store.close().catch(() => undefined);
    throw err;
  }
}
