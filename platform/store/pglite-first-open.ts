import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** True when `dataDir` already holds a database (initdb ran there). */
export function isInitialised(dataDir: string): boolean {
  return existsSync(join(dataDir, 'PG_VERSION'));
}

/** PGlite's version: a template made by another version of its initdb must not be reused. */
function pgliteVersion(): string {
  // The package's exports map hides package.json; it sits above the resolved entry point's dist/.
  let dir = dirname(createRequire(import.meta.url).resolve('@electric-sql/pglite'));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version?: string }).version ?? 'unknown';
}

/** Where the freshly initialised, never-opened database directory is kept (LEADGATE_CACHE overrides the root). */
function templateDir(): string {
  const root = process.env.LEADGATE_CACHE ?? join(homedir(), '.cache', 'leadgate');
  return join(root, `pglite-${pgliteVersion()}-template`);
}

/** Runs PGlite's initdb for `dir` in a short-lived child process (see pglite-initdb.script.ts). */
async function initdbInChild(dir: string): Promise<void> {
  const here = fileURLToPath(import.meta.url);
  const ext = extname(here);
  const script = join(here, '..', `pglite-initdb.script${ext}`);
  // Under tsx or ts-jest the sources are TypeScript, so the child gets tsx's loader; the package runs the compiled script.
  const args = ext === '.ts' ? ['--import', 'tsx', script, dir] : [script, dir];
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
    child.once('error', reject);
    child.once('exit', (code, signal) => (code === 0 ? resolve() : reject(new Error(`initdb of ${dir} failed (${signal ?? `exit ${code}`}): ${stderr.trim()}`))));
  });
}

/**
 * Creates the database in `dataDir` without growing this process. PGlite's initdb inflates the WASM heap to
 * about 800 MB, which WASM never gives back, so it runs in a child process, and only once per machine and
 * PGlite version: the result is kept as a template and copied (a few MB) for every new directory. The
 * template is built under a temporary name and renamed, so concurrent first starts never see half of one.
 * Without a writable cache the child initialises `dataDir` itself.
 */
export async function initialiseDataDir(dataDir: string): Promise<void> {
  const template = templateDir();
  if (!isInitialised(template)) {
    const building = `${template}.building-${process.pid}-${Date.now()}`;
    try {
      mkdirSync(building, { recursive: true });
      await initdbInChild(building);
      if (!isInitialised(template)) renameSync(building, template);
    } catch {
      rmSync(building, { recursive: true, force: true });
      await initdbInChild(dataDir);
      return;
    } finally {
      rmSync(building, { recursive: true, force: true });
    }
  }
  mkdirSync(dataDir, { recursive: true });
  cpSync(template, dataDir, { recursive: true });
}
