import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `leadgate <args>` as an operator would: a real process through tsx from the checkout, without the
 * variables that would point it at another bus or store than the test means.
 */
export function runLeadgate(args: string[], extraEnv: Record<string, string> = {}): Promise<CliResult> {
  const env: NodeJS.ProcessEnv = { ...process.env, LEADGATE_LOG_LEVEL: 'warn' };
  for (const name of ['LEADGATE_KAFKA_BROKERS', 'LEADGATE_DATABASE_URL', 'LEADGATE_DATA_DIR', 'LEADGATE_BUS_NAMESPACE', 'LEADGATE_CONFIG']) delete env[name];
  Object.assign(env, extraEnv);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bin/leadgate.ts', ...args], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** `runLeadgate` with no extra environment. */
export const leadgate = (args: string[]): Promise<CliResult> => runLeadgate(args);
