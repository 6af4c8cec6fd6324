import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** True when `dataDir` already holds a database (initdb ran there). */
export function isInitialised(dataDir: string): boolean {
  return existsSync(join(dataDir, 'PG_VERSION'));
}

/**
 * Runs PGlite's initdb for `dataDir` in a short-lived child process. The parent then opens an existing
 * directory, which costs a fraction of the memory (see pglite-initdb.script.ts). Under tsx or ts-jest the
 * sources are TypeScript, so the child gets tsx's loader; the built package runs the compiled script.
 */
export async function initialiseInChild(dataDir: string): Promise<void> {
  const here = fileURLToPath(import.meta.url);
  const ext = extname(here);
  const script = join(here, '..', `pglite-initdb.script${ext}`);
  const args = ext === '.ts' ? ['--import', 'tsx', script, dataDir] : [script, dataDir];
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
    child.once('error', reject);
    child.once('exit', (code, signal) => (code === 0 ? resolve() : reject(new Error(`initdb of ${dataDir} failed (${signal ?? `exit ${code}`}): ${stderr.trim()}`))));
  });
}
