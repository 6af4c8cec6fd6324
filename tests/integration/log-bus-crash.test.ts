import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { openStore, type StoreConfig } from '../../platform/store/open-store.js';
import { createLogger } from '../../platform/telemetry/logger.js';
import { createTestDatabase } from '../support/postgres.js';

const logger = createLogger('error');
const script = join(process.cwd(), 'tests/support/crash-publisher.script.ts');
const topic = 'crash-test';
const killAfterAcks = 2000;

/**
 * Runs the publisher child, SIGKILLs it soon after `killAfterAcks` acknowledgements, and returns every
 * number it acknowledged (stdout lines that arrived before the kill landed).
 */
async function publishAndKill(kind: 'embedded' | 'postgres', target: string): Promise<Set<number>> {
  const env = { ...process.env };
  delete env.NODE_OPTIONS; // jest's --experimental-vm-modules is not for the child
  const child = spawn(process.execPath, ['--import', 'tsx', script, kind, target, '20'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const acked = new Set<number>();
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
  for await (const line of createInterface({ input: child.stdout })) {
    if (line === 'ready') continue;
    acked.add(Number(line));
    // A random extra delay, so the kill lands anywhere in the flush cycle (mid-insert, mid-commit, mid-fsync).
    if (acked.size === killAfterAcks) setTimeout(() => child.kill('SIGKILL'), Math.random() * 25);
  }
  const signal = await exited;
  if (signal !== 'SIGKILL') throw new Error(`publisher ended by itself (${String(signal)}): ${stderr}`);
  return acked;
}

async function storedNumbers(config: StoreConfig): Promise<Set<number>> {
  const store = await openStore(config, logger);
  try {
    const rows = await store.query<{ n: number }>("select (value->>'n')::int as n from bus_log where topic = $1", [topic]);
    return new Set(rows.map((r) => r.n));
  } finally {
    await store.close();
  }
}

function report(name: string, acked: Set<number>, found: Set<number>): number[] {
  const lost = [...acked].filter((n) => !found.has(n));
  // Printed on purpose: the figures are the evidence this test exists for.
  console.log(`${name}: acked=${acked.size} found=${found.size} lost=${lost.length}`);
  return lost;
}

describe('Log bus survives kill -9 with no acknowledged record lost', () => {
  test('on PGlite (embedded, on disk)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'leadgate-crash-'));
    try {
      const dataDir = join(dir, 'db');
      const acked = await publishAndKill('embedded', dataDir);
      const found = await storedNumbers({ kind: 'embedded', dataDir });
      expect(acked.size).toBeGreaterThanOrEqual(killAfterAcks);
      expect(report('pglite', acked, found)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  test('on PostgreSQL', async () => {
    const db = await createTestDatabase();
    try {
      const acked = await publishAndKill('postgres', db.url);
      const found = await storedNumbers({ kind: 'postgres', url: db.url });
      expect(acked.size).toBeGreaterThanOrEqual(killAfterAcks);
      expect(report('postgres', acked, found)).toEqual([]);
    } finally {
      await db.drop();
    }
  }, 120_000);
});
