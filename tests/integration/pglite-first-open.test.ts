import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { openStore } from '../../platform/store/open-store.js';

/**
 * A new embedded directory is created from a per-machine template that a child process initialised once,
 * so the server never runs initdb itself (its WASM heap would keep ~800 MB for life).
 */
describe('embedded store first open', () => {
  const logger = pino({ level: 'silent' });
  let dir: string;
  let previousCache: string | undefined;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'leadgate-first-open-'));
    previousCache = process.env.LEADGATE_CACHE;
    process.env.LEADGATE_CACHE = join(dir, 'cache');
  });
  afterAll(() => {
    if (previousCache === undefined) delete process.env.LEADGATE_CACHE;
    else process.env.LEADGATE_CACHE = previousCache;
    rmSync(dir, { recursive: true, force: true });
  });

  it('builds the template once and gives every directory its own database', async () => {
    const a = await openStore({ kind: 'embedded', dataDir: join(dir, 'a') }, logger);
    const template = join(dir, 'cache');
    expect(existsSync(template)).toBe(true);
    const b = await openStore({ kind: 'embedded', dataDir: join(dir, 'b') }, logger);
    try {
      await a.query('create table only_in_a (v int)');
      await a.query('insert into only_in_a values ($1)', [1]);
      const inB = await b.query<{ n: string }>("select count(*)::text as n from pg_tables where tablename = 'only_in_a'");
      expect(inB[0]?.n).toBe('0');
      // Both directories are migrated databases of their own, with their own erasure salt.
      const saltA = await a.query<{ value: string }>("select value from identity_secrets where name = 'erasure_salt'");
      const saltB = await b.query<{ value: string }>("select value from identity_secrets where name = 'erasure_salt'");
      expect(saltA[0]?.value).toBeTruthy();
      expect(saltA[0]?.value).not.toBe(saltB[0]?.value);
    } finally {
      await a.close();
      await b.close();
    }
    // Reopening keeps what was written.
    const again = await openStore({ kind: 'embedded', dataDir: join(dir, 'a') }, logger);
    try {
      expect(await again.query<{ v: number }>('select v from only_in_a')).toEqual([{ v: 1 }]);
    } finally {
      await again.close();
    }
  }, 300_000);
});
