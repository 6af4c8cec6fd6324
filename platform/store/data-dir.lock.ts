import { mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { LeadgateError } from '../../contracts/errors.js';

/** What a lock file holds: who owns the directory, so the refusal can say so. */
interface LockOwner {
  pid: number;
  command: string;
  since: string;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else; it still holds the directory.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readOwner(file: string): LockOwner | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as LockOwner;
  } catch {
    return undefined;
  }
}

/**
 * PGlite is a single-process database: two processes writing one directory corrupt it. The lock is a
 * file created exclusively in the directory with the owner's pid; a lock left by a dead process (kill -9,
 * a container restart that reuses pid 1 for us) is taken over. Returns the release function.
 */
export function lockDataDir(dataDir: string): () => void {
  const dir = resolve(dataDir);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'leadgate.lock');
  const mine: LockOwner = { pid: process.pid, command: process.argv.slice(1).join(' ').slice(0, 200), since: new Date().toISOString() };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      writeFileSync(file, JSON.stringify(mine), { flag: 'wx' });
      return () => {
        if (readOwner(file)?.pid === process.pid) unlinkSync(file);
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const owner = readOwner(file);
    // Our own pid: a previous holder that died (same pid after a restart) or this process reopening.
    if (owner && owner.pid !== process.pid && alive(owner.pid)) {
      throw new LeadgateError('STORE_UNAVAILABLE', `the embedded store ${dir} is in use by process ${owner.pid} (since ${owner.since}); stop it first, or run the command through its admin API (/v1/admin/…)`, {
        retriable: false,
        details: { reason: 'store_locked', pid: owner.pid },
      });
    }
    try {
      unlinkSync(file);
    } catch {
      // Another process took it over between our read and unlink; the next attempt sees its lock.
    }
  }
  throw new LeadgateError('STORE_UNAVAILABLE', `cannot lock the embedded store ${dir}`, { retriable: false });
}
