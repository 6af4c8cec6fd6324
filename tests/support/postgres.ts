import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const adminDatabaseUrl = process.env.LEADGATE_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminDatabaseUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** A fresh, uniquely named database per suite, so suites running in parallel never see each other's rows. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `leadgate_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  await admin((c) => c.query(`create database "${name}"`));
  const url = new URL(adminDatabaseUrl);
  url.pathname = `/${name}`;
  let dropped: Promise<void> | undefined;
  return {
    url: url.toString(),
    drop(): Promise<void> {
      dropped ??= admin(async (c) => {
        // A pool the test forgot to end would otherwise make DROP fail with "being accessed by other users".
        await c.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [name]);
        await c.query(`drop database if exists "${name}"`);
      });
      return dropped;
    },
  };
}
