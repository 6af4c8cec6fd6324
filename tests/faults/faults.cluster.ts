import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { retry } from '../../platform/retry.js';
import { freePort, spawnLeadgate, type LeadgateProcess } from '../support/leadgate-process.js';

const run = promisify(execFile);

/** The harness's private broker; never the shared development broker on 19092. */
export interface BrokerControl {
  brokers: string;
  kill(): Promise<void>;
  restart(): Promise<void>;
}

export function brokerControl(env: NodeJS.ProcessEnv = process.env): BrokerControl {
  const port = env.FAULTS_KAFKA_PORT;
  if (!port || port === '19092') throw new Error('FAULTS_KAFKA_PORT must name the harness broker (scripts/faults.sh starts it), never 19092');
  const kafkaEnv = { ...process.env, KAFKA_PORT: port, KAFKA_CONTROLLER_PORT: env.FAULTS_KAFKA_CONTROLLER_PORT ?? String(Number(port) + 1) };
  const kafka = async (command: string): Promise<void> => {
    await run('bash', ['scripts/kafka.sh', command], { env: kafkaEnv, timeout: 180_000 });
  };
  return { brokers: `127.0.0.1:${port}`, kill: () => kafka('kill'), restart: () => kafka('restart-keep-data') };
}

export type Role = 'gateway' | 'normalizer' | 'router';

/** One role instance: a real OS process, killable and restartable on the same port and spool. */
export class RoleInstance {
  private process: LeadgateProcess | undefined;
  constructor(
    readonly name: string,
    readonly role: Role,
    readonly port: number,
    private readonly configFile: string,
    private readonly env: Record<string, string>,
  ) {}

  get running(): boolean {
    return this.process !== undefined;
  }

  async start(): Promise<void> {
    if (this.process) return;
    // Like a supervisor (systemd, Kubernetes): a process that exits during start (e.g. Kafka still down) is started again.
    this.process = await retry(() => spawnLeadgate(['--config', this.configFile, '--role', this.role], this.env, this.port), {
      retries: 30,
      initialMs: 1_000,
      maxMs: 5_000,
      onRetry: (err, attempt) => void process.stderr.write(`[faults] ${this.name} start attempt ${attempt} failed: ${(err as Error).message.split('\n')[0]}\n`),
    });
    this.process.child.once('exit', (code, signal) => {
      if (code !== null && code !== 0 && signal === null) process.stderr.write(`[faults] ${this.name} exited with ${code}:\n${this.process?.output().slice(-4000) ?? ''}\n`);
    });
  }

  /** `SIGKILL` for a crash, `SIGTERM` for a graceful stop (rolling restart). */
  async stop(signal: NodeJS.Signals): Promise<void> {
    const p = this.process;
    this.process = undefined;
    await p?.kill(signal);
  }

  output(): string {
    return this.process?.output() ?? '';
  }
}

export interface ClusterOptions {
  workDir: string;
  brokers: string;
  databaseUrl: string;
  crmUrl: string;
  namespace: string;
  secrets: { calls: string; whatsappAppSecret: string; whatsappVerify: string; phoneNumberId: string };
}

/** The Leadgate config every role process shares (JSON is YAML); the gateway also gets its spool. */
function configFor(options: ClusterOptions, spoolDir: string | undefined): unknown {
  return {
    server: { host: '127.0.0.1', port: 0 },
    bus: { namespace: options.namespace, ...(spoolDir ? { spool: { enabled: true, dataDir: spoolDir, maxRecords: 200_000 } } : {}) },
    store: { url: options.databaseUrl },
    normalizer: { defaultRegion: 'RU' },
    router: {
      owners: [{ id: 'anna' }, { id: 'boris' }],
      destination: { kind: 'webhook', url: options.crmUrl },
      retry: { attempts: 8, initialMs: 200, maxMs: 5_000 },
    },
    connectors: [
      { id: 'site', kind: 'forms' },
      { id: 'pbx', kind: 'call-webhook', secret: options.secrets.calls, timeZone: 'Europe/Moscow' },
      { id: 'wa', kind: 'whatsapp', appSecret: options.secrets.whatsappAppSecret, verifyToken: options.secrets.whatsappVerify, phoneNumberId: options.secrets.phoneNumberId },
    ],
  };
}

/** Every role instance of the run, gateway first. */
export class Cluster {
  readonly instances: RoleInstance[] = [];
  constructor(private readonly options: ClusterOptions) {}

  async add(role: Role, index: number): Promise<RoleInstance> {
    const name = `${role}-${index}`;
    const spoolDir = role === 'gateway' ? join(this.options.workDir, `${name}-spool`) : undefined;
    const file = join(this.options.workDir, `${name}.json`);
    mkdirSync(this.options.workDir, { recursive: true });
    writeFileSync(file, JSON.stringify(configFor(this.options, spoolDir), null, 2));
    const env = { LEADGATE_KAFKA_BROKERS: this.options.brokers, LEADGATE_DATABASE_URL: this.options.databaseUrl, LEADGATE_LOG_LEVEL: process.env.FAULTS_LOG_LEVEL ?? 'error' };
    const instance = new RoleInstance(name, role, await freePort(), file, env);
    this.instances.push(instance);
    return instance;
  }

  byName(name: string): RoleInstance {
    const found = this.instances.find((i) => i.name === name);
    if (!found) throw new Error(`no instance ${name}`);
    return found;
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.instances.map((i) => i.stop('SIGTERM')));
  }
}
