import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface LeadgateProcess {
  child: ChildProcess;
  /** Output so far (stderr and stdout), for failure messages. */
  output(): string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** Runs `leadgate start` as a real OS process (through tsx, no build step) and waits for `/health`. */
export async function spawnLeadgate(args: string[], env: Record<string, string>, port: number, healthTimeoutMs = 180_000): Promise<LeadgateProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bin/leadgate.ts', 'start', ...args], {
    cwd: root,
    env: { ...process.env, LEADGATE_LOG_LEVEL: 'warn', ...env, LEADGATE_PORT: String(port), LEADGATE_HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (c: Buffer) => (out = (out + c.toString()).slice(-20000)));
  child.stderr?.on('data', (c: Buffer) => (out = (out + c.toString()).slice(-20000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // Generous: tsx compiles on the fly, and on a loaded 2-core machine a cold start has taken over a minute.
  const deadline = Date.now() + healthTimeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`leadgate exited with ${child.exitCode}:\n${out}`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/health`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      // Not left behind: an orphan would hold the port and the data directory for the next attempt.
      child.kill('SIGKILL');
      await exited;
      throw new Error(`leadgate did not become healthy:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    child,
    output: () => out,
    async kill(signal = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}
