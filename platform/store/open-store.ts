import type { Logger } from '../telemetry/logger.js';
import { lockDataDir } from './data-dir.lock.js';
import { migrate } from './migrate.js';
import { createPgStore } from './pg-store.js';
import { createPgliteStore } from './pglite-store.js';
import type { Store } from './store.port.js';

export type StoreConfig = { kind: 'postgres'; url: string; poolSize?: number } | { kind: 'embedded'; dataDir?: string };

/** Opens the configured store and brings its schema up to date; the caller owns `close()`. */
export async function openStore(config: StoreConfig, logger: Logger): Promise<Store> {
  const onDisk = config.kind === 'embedded' && config.dataDir !== undefined && config.dataDir !== '' && !config.dataDir.includes('://');
  const unlock = onDisk ? lockDataDir(config.dataDir as string) : undefined;
  let opened: Store;
  try {
    opened = config.kind === 'postgres' ? createPgStore({ url: config.url, logger, ...(config.poolSize ? { max: config.poolSize } : {}) }) : await createPgliteStore({ dataDir: config.dataDir, logger });
  } catch (err) {
    unlock?.();
    throw err;
  }
  const store: Store = unlock ? withRelease(opened, unlock) : opened;
  try {
    await migrate(store, logger);
    return store;
  } catch (err) {
    await store.close().catch(() => undefined);
    throw err;
  }
}

/** The store whose `close()` also releases the data directory's lock. */
function withRelease(store: Store, release: () => void): Store {
  const close = store.close.bind(store);
  store.close = async () => {
    try {
      await close();
    } finally {
      release();
    }
  };
  return store;
}
