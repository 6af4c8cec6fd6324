import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCrmStub } from '../../scripts/crm-stub.js';
import { createTestDatabase } from '../support/postgres.js';
import type { BrokerControl } from './faults.broker.js';
import { Cluster, type RoleCrash } from './faults.cluster.js';
import { waitForDelivery } from './faults.drain.js';
import { LoadGenerator } from './faults.load.js';
import type { PostgresControl } from './faults.postgres.js';
import { figuresFor, indexCrm, renderTable, type ScenarioFigures } from './faults.report.js';
import type { Scenario, ScenarioContext, Timing } from './faults.scenarios.js';

export interface FaultRunOptions {
  /** Printed in the report's title: short, long, smoke. */
  label: string;
  timing: Timing;
  scenarios: readonly Scenario[];
  /** A broker the run may kill: never the shared one. */
  broker: BrokerControl;
  /** The cluster the postgres-restart scenario restarts; the run's database is made on LEADGATE_TEST_DATABASE_URL. */
  postgres?: PostgresControl;
  /** A wait for the backlog gives up after this long without a new delivery. */
  patienceMs: number;
  log(message: string): void;
  /** Keep the database and work dir for a post-mortem. */
  keep?: boolean;
  /** Log level of the role processes (default error). */
  roleLogLevel?: string;
}

export interface FaultRunResult {
  figures: ScenarioFigures[];
  total: ScenarioFigures;
  crashes: (RoleCrash & { scenario: string })[];
  /** Markdown: one table per scenario, then the totals and findings. */
  report: string;
  /** Something acknowledged was lost or doubled. */
  failed: boolean;
}

const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
/** The line of a crash's output that names the error: `error: …` under Node's throw caret, or `leadgate failed: …`. */
const errorLine = (tail: string): string => /^(?:leadgate failed: )?(?:\w*Error\b|error: ).*$/m.exec(tail)?.[0] ?? tail.trim().split('\n').at(-1) ?? '';

/**
 * One fault run: a fresh database, the CRM stub, the roles as OS processes (gateway with a spool, two
 * normalizers and two routers, the second ones only for the rolling restart), the load through the real
 * webhooks, and each scenario in turn. A scenario's backlog drains before the next one starts, so its
 * figures and delays are its own.
 */
export async function runFaults(o: FaultRunOptions): Promise<FaultRunResult> {
  const started = Date.now();
  const db = await createTestDatabase();
  const crm = await startCrmStub();
  const workDir = mkdtempSync(join(tmpdir(), 'leadgate-faults-'));
  const runId = `f${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  const secrets = { calls: randomBytes(16).toString('hex'), whatsappAppSecret: randomBytes(16).toString('hex'), whatsappVerify: randomBytes(16).toString('hex'), phoneNumberId: '106540352242922' };
  // Which scenario was running when a role process died on its own (a finding, not an injected fault).
  let current = 'start';
  const crashes: (RoleCrash & { scenario: string })[] = [];
  const onCrash = (crash: RoleCrash): void => {
    crashes.push({ ...crash, scenario: current });
    o.log(`CRASH: ${crash.name} exited on its own during ${current}; restarting it. Its last output:\n${crash.tail.slice(-1_500)}`);
  };
  const cluster = new Cluster({ workDir, brokers: o.broker.brokers, databaseUrl: db.url, crmUrl: crm.url, namespace: runId, secrets, onCrash, logLevel: o.roleLogLevel });
  let sampler: NodeJS.Timeout | undefined;
  o.log(`${o.label} run, broker ${o.broker.brokers}, scenarios: ${o.scenarios.map((s) => s.name).join(', ')}`);
  try {
    const gateway = await cluster.add('gateway', 1);
    for (const role of ['normalizer', 'router'] as const) for (const i of [1, 2]) await cluster.add(role, i);
    await Promise.all(['gateway-1', 'normalizer-1', 'router-1'].map((name) => cluster.byName(name).start()));
    o.log('roles started');
    const load = new LoadGenerator(() => `http://127.0.0.1:${gateway.port}`, secrets, runId);
    const ctx: ScenarioContext = { cluster, broker: o.broker, postgres: o.postgres, crm, timing: o.timing, log: o.log };

    // Samples the gateway's spool gauge, to show which scenarios made it spool (scrapes fail while it is down).
    const spoolPeak = new Map<string, number>();
    sampler = setInterval(() => {
      fetch(`http://127.0.0.1:${gateway.port}/metrics`, { signal: AbortSignal.timeout(900) })
        .then((res) => res.text())
        .then((text) => {
          const depth = Number(/^leadgate_gateway_spool_records (\d+)/m.exec(text)?.[1] ?? 0);
          spoolPeak.set(current, Math.max(spoolPeak.get(current) ?? 0, depth));
        })
        .catch(() => undefined);
    }, 1_000);
    const drain = async (): Promise<void> => {
      await load.settle();
      await waitForDelivery({ leads: () => load.sent, crm, patienceMs: o.patienceMs, log: o.log });
    };
    for (const scenario of o.scenarios) {
      current = scenario.name;
      o.log(`scenario ${scenario.name}: ${scenario.description}`);
      await scenario.before?.(ctx);
      await Promise.all([load.run(scenario.name, o.timing.ratePerSec, o.timing.loadMs), pause(scenario.atFraction * o.timing.loadMs).then(() => scenario.inject(ctx))]);
      await scenario.after?.(ctx);
      o.log(`scenario ${scenario.name}: load done, waiting for its backlog`);
      await drain();
    }
    current = 'drain';
    await drain();
    // Late duplicates (a redelivery after a rebalance) would land now; give them a moment to show.
    await pause(5_000);

    const index = indexCrm(crm.accepted, crm.replays);
    const figures: ScenarioFigures[] = o.scenarios.map((s) => ({
      ...figuresFor(s.name, load.sent.filter((l) => l.scenario === s.name), index),
      maxSpoolDepth: spoolPeak.get(s.name) ?? 0,
      crashes: crashes.filter((c) => c.scenario === s.name).length,
    }));
    const total = { ...figuresFor('all scenarios', load.sent, index), crashes: crashes.length };
    const unacked = load.sent.filter((l) => l.ackedAt === undefined);
    const report = [
      `### Fault run (${o.label} mode, ${new Date().toISOString().slice(0, 10)}, ${Math.round((Date.now() - started) / 1000)} s)`,
      '',
      ...[...figures, total].map((f) => `${renderTable(f)}\n`),
      `Never acknowledged (provider gave up): ${unacked.length}${unacked.length > 0 ? ` — first: ${unacked[0].failure ?? ''}` : ''}.`,
      `CRM: ${crm.accepted.length} accepted, ${crm.replays.length} Idempotency-Key replays, ${crm.requests.length} requests.`,
      ...crashes.map((c) => `Crash (not injected): ${c.name} exited on its own during ${c.scenario}: ${errorLine(c.tail)}`),
    ].join('\n');
    return { figures, total, crashes, report, failed: total.lost > 0 || total.duplicated > 0 };
  } finally {
    clearInterval(sampler);
    await cluster.stopAll().catch((err: unknown) => o.log(`stop failed: ${String(err)}`));
    await crm.close();
    if (o.keep) {
      o.log(`kept: database ${db.url}, work dir ${workDir}`);
    } else {
      await db.drop().catch((err: unknown) => o.log(`drop failed: ${String(err)}`));
      rmSync(workDir, { recursive: true, force: true });
    }
  }
}
