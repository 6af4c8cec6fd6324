import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { retry } from '../../platform/retry.js';
import { freePort, type LeadgateProcess } from '../support/leadgate-process.js';
import { spawnRole } from './faults.process.js';

export type Role = 'gateway' | 'normalizer' | 'router';

/** A role process that exited on its own (no fault injected it): a finding, reported with the run. */
export interface RoleCrash {
  name: string;
  at: number;
  /** The process's last output (its stack trace, usually). */
  tail: string;
}

/**
 * One role instance: a real OS process, killable and restartable on the same port and spool. Like a
 * supervisor (systemd `Restart=on-failure`, Kubernetes), it starts again a process that exited on its own,
 * after telling `onCrash`: the crash is reported, and the run goes on measuring loss and duplicates.
 */
export class RoleInstance {
  private process: LeadgateProcess | undefined;
  private starting: Promise<void> | undefined;
  /** False once the harness stopped it on purpose: no supervised restart then. */
  private wanted = false;

  constructor(
    readonly name: string,
    readonly role: Role,
    readonly port: number,
    private readonly configFile: string,
    private readonly env: Record<string, string>,
    private readonly onCrash: (crash: RoleCrash) => void,
  ) {}

  get running(): boolean {
    return this.process !== undefined;
  }

  async start(): Promise<void> {
    this.wanted = true;
    if (this.process) return;
    this.starting ??= this.spawn().finally(() => {
      this.starting = undefined;
    });
    await this.starting;
  }

  /** `SIGKILL` for a crash, `SIGTERM` for a graceful stop (rolling restart). */
  async stop(signal: NodeJS.Signals): Promise<void> {
    this.wanted = false;
    await this.starting?.catch(() => undefined);
    const p = this.process;
    this.process = undefined;
    await p?.kill(signal);
  }

  output(): string {
    return this.process?.output() ?? '';
  }

  private async spawn(): Promise<void> {
    // A process that exits during start (e.g. Kafka still down) is started again, as a supervisor would.
    const p = await retry(() => spawnRole(['--config', this.configFile, '--role', this.role], this.env, this.port), {
      retries: 30,
      initialMs: 1_000,
      maxMs: 5_000,
      onRetry: (err, attempt) => void process.stderr.write(`[faults] ${this.name} start attempt ${attempt} failed: ${(err as Error).message.split('\n')[0]}\n`),
    });
    this.process = p;
    p.child.once('exit', () => {
      // Stopped by the harness (stop() cleared `process` first): an injected fault, not a crash.
      if (this.process !== p) return;
      this.process = undefined;
      this.onCrash({ name: this.name, at: Date.now(), tail: p.output().slice(-3_000) });
      setTimeout(() => {
        if (this.wanted && !this.process) this.start().catch((err: unknown) => process.stderr.write(`[faults] ${this.name} restart failed: ${String(err)}\n`));
      }, 1_000);
    });
  }
}

export interface ClusterOptions {
  workDir: string;
  brokers: string;
  databaseUrl: string;
  crmUrl: string;
  namespace: string;
  secrets: { calls: string; whatsappAppSecret: string; whatsappVerify: string; phoneNumberId: string };
  /** Called when a role process exits on its own; the instance is then restarted. */
  onCrash(crash: RoleCrash): void;
  /** LEADGATE_LOG_LEVEL of the role processes (default error: their output is kept for crash reports). */
  logLevel?: string;
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
    const env = { LEADGATE_KAFKA_BROKERS: this.options.brokers, LEADGATE_DATABASE_URL: this.options.databaseUrl, LEADGATE_LOG_LEVEL: this.options.logLevel ?? 'error' };
    const instance = new RoleInstance(name, role, await freePort(), file, env, this.options.onCrash);
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
