import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `leadgate <args>` as an operator would: a real OS process through tsx, in the repository root. */
export function leadgate(args: string[]): Promise<CliResult> {
  // Without the variables that would point the CLI at another bus or store than the config's.
  const env: NodeJS.ProcessEnv = { ...process.env, LEADGATE_LOG_LEVEL: 'warn' };
  for (const name of ['LEADGATE_KAFKA_BROKERS', 'LEADGATE_DATABASE_URL', 'LEADGATE_DATA_DIR', 'LEADGATE_BUS_NAMESPACE', 'LEADGATE_CONFIG']) delete env[name];
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
