import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { LeadgateProcess } from '../support/leadgate-process.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Runs `leadgate start` as an OS process (through tsx) and waits for `/health`, like
 * tests/support/leadgate-process.ts but for a machine shared by several engineers: the wait is long (a
 * start took 45 s at load average 15 on 2 cores), and a process that misses it is killed, so a late
 * start can never hold the port against the supervisor's next attempt.
 */
export async function spawnRole(args: string[], env: Record<string, string>, port: number, deadlineMs = 180_000): Promise<LeadgateProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bin/leadgate.ts', 'start', ...args], {
    cwd: root,
    env: { ...process.env, ...env, LEADGATE_PORT: String(port), LEADGATE_HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const keep = (c: Buffer): void => void (out = (out + c.toString()).slice(-20_000));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const kill = async (signal: NodeJS.Signals = 'SIGKILL'): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`leadgate exited with ${child.exitCode ?? child.signalCode}:\n${out}`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(5_000) });
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await kill('SIGKILL');
      throw new Error(`leadgate did not become healthy within ${deadlineMs / 1000} s:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { child, output: () => out, kill };
}
