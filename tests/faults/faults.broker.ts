import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freePort } from '../support/leadgate-process.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));

/** A broker the fault run may kill and restart; never the shared development broker on 19092. */
export interface BrokerControl {
  brokers: string;
  kill(): Promise<void>;
  restart(): Promise<void>;
}

/** A private broker this process started, with its own ports, run dir and data dir. */
export interface PrivateBroker extends BrokerControl {
  stop(): Promise<void>;
}

/**
 * Controls the broker named by FAULTS_KAFKA_PORT (scripts/faults.sh started it) through scripts/kafka.sh,
 * with that broker's KAFKA_DATA_DIR and KAFKA_RUN_DIR, so `kill` and `restart-keep-data` touch only it.
 */
export function brokerControl(env: NodeJS.ProcessEnv = process.env): BrokerControl {
  const port = env.FAULTS_KAFKA_PORT;
  if (!port || port === '19092') throw new Error('FAULTS_KAFKA_PORT must name the harness broker (scripts/faults.sh starts it), never 19092');
  const kafkaEnv: NodeJS.ProcessEnv = {
    ...process.env,
    KAFKA_PORT: port,
    KAFKA_CONTROLLER_PORT: env.FAULTS_KAFKA_CONTROLLER_PORT ?? String(Number(port) + 1),
    KAFKA_RUN_DIR: env.KAFKA_RUN_DIR ?? `/tmp/leadgate-kafka-${port}`,
    ...(env.KAFKA_DATA_DIR ? { KAFKA_DATA_DIR: env.KAFKA_DATA_DIR } : {}),
  };
  const kafka = async (command: string): Promise<void> => {
    await run('bash', ['scripts/kafka.sh', command], { cwd: root, env: kafkaEnv, timeout: 180_000 });
  };
  return { brokers: `127.0.0.1:${port}`, kill: () => kafka('kill'), restart: () => kafka('restart-keep-data') };
}

/**
 * Starts a broker of its own on two free ports (for tests/e2e/faults-smoke.test.ts: `npm test` must
 * never stop the shared broker other suites and engineers use). `stop` removes its data.
 */
export async function startPrivateBroker(): Promise<PrivateBroker> {
  const port = String(await freePort());
  const controller = String(await freePort());
  const dataDir = mkdtempSync(join(tmpdir(), 'leadgate-smoke-kafka-'));
  const runDir = `/tmp/leadgate-kafka-${port}`;
  const control = brokerControl({ FAULTS_KAFKA_PORT: port, FAULTS_KAFKA_CONTROLLER_PORT: controller, KAFKA_DATA_DIR: dataDir, KAFKA_RUN_DIR: runDir });
  const kafka = (command: string): Promise<unknown> =>
    run('bash', ['scripts/kafka.sh', command], {
      cwd: root,
      env: { ...process.env, KAFKA_PORT: port, KAFKA_CONTROLLER_PORT: controller, KAFKA_DATA_DIR: dataDir, KAFKA_RUN_DIR: runDir },
      timeout: 180_000,
    });
  const cleanup = (): void => {
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(runDir, { recursive: true, force: true });
  };
  try {
    await kafka('start');
  } catch (err) {
    await kafka('stop').catch(() => undefined);
    cleanup();
    throw err;
  }
  return {
    ...control,
    async stop() {
      await kafka('stop').catch(() => undefined);
      cleanup();
    },
  };
}
