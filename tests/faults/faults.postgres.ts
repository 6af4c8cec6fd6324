import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The harness's private PostgreSQL cluster (scripts/faults.sh initdb's and starts it); never the machine's. */
export interface PostgresControl {
  /** Admin URL of the private cluster (its `postgres` database). */
  url: string;
  restart(): Promise<void>;
}

/**
 * Reads the cluster scripts/faults.sh started from FAULTS_PG_*. Refuses to run without them: restarting
 * whatever answers on 5432 would break every other engineer's and CI's tests on the machine.
 */
export function postgresControl(env: NodeJS.ProcessEnv = process.env): PostgresControl {
  const { FAULTS_PG_BIN: bin, FAULTS_PG_DATA: data, FAULTS_PG_LOG: logFile, FAULTS_PG_PORT: port, FAULTS_PG_RUNAS: runAs } = env;
  if (!bin || !data || !logFile || !port) throw new Error('FAULTS_PG_BIN/DATA/LOG/PORT must name the harness cluster (scripts/faults.sh starts it)');
  if (port === '5432') throw new Error('FAULTS_PG_PORT 5432 is the shared cluster; the fault run restarts its own');
  // PostgreSQL refuses to run as root: scripts/faults.sh sets FAULTS_PG_RUNAS=postgres then.
  const pgCtl = (...args: string[]): Promise<unknown> => {
    const argv = [`${bin}/pg_ctl`, '-D', data, '-l', logFile, '-w', '-t', '120', ...args];
    return runAs ? run('runuser', ['-u', runAs, '--', ...argv], { timeout: 180_000 }) : run(argv[0], argv.slice(1), { timeout: 180_000 });
  };
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    // Fast shutdown (pg_ctl's default): open sessions are terminated, as in a real maintenance restart.
    restart: async () => void (await pgCtl('-m', 'fast', 'restart')),
  };
}
