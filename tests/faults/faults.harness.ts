/**
 * The fault-injection run (`npm run faults`, `FAULTS_MODE=short` for CI): real role processes against a
 * private Kafka broker and a private PostgreSQL cluster (scripts/faults.sh starts both), a fresh database
 * and the CRM stub, under a steady load of leads through the real webhooks, while each scenario of
 * faults.scenarios.ts strikes. Prints one table per scenario and exits 1 when an acknowledged lead was
 * lost or doubled.
 *
 * Environment: FAULTS_MODE short|long (default long), FAULTS_KAFKA_PORT (required, never 19092),
 * FAULTS_PG_* (the private cluster; required), FAULTS_ONLY / FAULTS_SKIP (comma lists of scenario names),
 * FAULTS_REPORT (Markdown output file), FAULTS_KEEP=1 (keep the database and work dir for a post-mortem),
 * FAULTS_LOG_LEVEL (role processes).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCrmStub } from '../../scripts/crm-stub.js';
import { adminDatabaseUrl, createTestDatabase } from '../support/postgres.js';
import { brokerControl, Cluster } from './faults.cluster.js';
import { postgresControl } from './faults.postgres.js';
import { LoadGenerator } from './faults.load.js';
import { figuresFor, indexCrm, renderTable, type ScenarioFigures } from './faults.report.js';
import { scenarios, timings, type ScenarioContext } from './faults.scenarios.js';

const mode = process.env.FAULTS_MODE === 'short' ? 'short' : 'long';
const timing = timings[mode];
const started = Date.now();
const log = (message: string): void => void process.stdout.write(`[faults +${((Date.now() - started) / 1000).toFixed(1)}s] ${message}\n`);
const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const list = (v: string | undefined): string[] => (v ?? '').split(',').map((s) => s.trim()).filter(Boolean);

async function main(): Promise<number> {
  const only = list(process.env.FAULTS_ONLY);
  const skip = list(process.env.FAULTS_SKIP);
  const selected = scenarios.filter((s) => (only.length === 0 || only.includes(s.name)) && !skip.includes(s.name));
  const broker = brokerControl();
  const postgres = postgresControl();
  // The run restarts its cluster: its database must live there, not on the machine's shared one.
  if (new URL(adminDatabaseUrl).port !== new URL(postgres.url).port) throw new Error(`LEADGATE_TEST_DATABASE_URL (${adminDatabaseUrl}) is not the private cluster ${postgres.url}`);
  const db = await createTestDatabase();
  const crm = await startCrmStub();
  const workDir = mkdtempSync(join(tmpdir(), 'leadgate-faults-'));
  const runId = `f${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  const secrets = { calls: randomBytes(16).toString('hex'), whatsappAppSecret: randomBytes(16).toString('hex'), whatsappVerify: randomBytes(16).toString('hex'), phoneNumberId: '106540352242922' };
  const cluster = new Cluster({ workDir, brokers: broker.brokers, databaseUrl: db.url, crmUrl: crm.url, namespace: runId, secrets });
  log(`mode ${mode}, broker ${broker.brokers}, scenarios: ${selected.map((s) => s.name).join(', ')}`);
  try {
    const gateway = await cluster.add('gateway', 1);
    for (const role of ['normalizer', 'router'] as const) for (const i of [1, 2]) await cluster.add(role, i);
    for (const name of ['gateway-1', 'normalizer-1', 'router-1']) await cluster.byName(name).start();
    log('roles started');
    const load = new LoadGenerator(() => `http://127.0.0.1:${gateway.port}`, secrets, runId);
    const ctx: ScenarioContext = { cluster, broker, postgres, crm, timing, log };

    // Samples the gateway's spool gauge, to show which scenarios made it spool (scrapes fail while it is down).
    const spoolPeak = new Map<string, number>();
    let current = '';
    const sampler = setInterval(() => {
      fetch(`http://127.0.0.1:${gateway.port}/metrics`, { signal: AbortSignal.timeout(900) })
        .then((res) => res.text())
        .then((text) => {
          const depth = Number(/^leadgate_gateway_spool_records (\d+)/m.exec(text)?.[1] ?? 0);
          spoolPeak.set(current, Math.max(spoolPeak.get(current) ?? 0, depth));
        })
        .catch(() => undefined);
    }, 1_000);
    for (const scenario of selected) {
      current = scenario.name;
      log(`scenario ${scenario.name}: ${scenario.description}`);
      await scenario.before?.(ctx);
      await Promise.all([load.run(scenario.name, timing.ratePerSec, timing.loadMs), pause(scenario.atFraction * timing.loadMs).then(() => scenario.inject(ctx))]);
      await scenario.after?.(ctx);
    }
    current = 'drain';
    log('load finished; waiting for providers to be answered');
    await load.settle();

    const acked = load.sent.filter((l) => l.ackedAt !== undefined);
    const deliveredPhones = (): number => {
      const index = indexCrm(crm.accepted, crm.replays);
      return acked.filter((l) => index.byPhone.has(l.phone)).length;
    };
    const patienceMs = mode === 'short' ? 120_000 : 300_000;
    let last = -1;
    let lastProgress = Date.now();
    for (;;) {
      const done = deliveredPhones();
      if (done === acked.length) break;
      if (done !== last) {
        last = done;
        lastProgress = Date.now();
        log(`draining: ${done}/${acked.length} acknowledged leads delivered`);
      }
      if (Date.now() - lastProgress > patienceMs) {
        log(`no progress for ${patienceMs / 1000} s: giving up the wait`);
        break;
      }
      await pause(1_000);
    }
    // Late duplicates (a redelivery after a rebalance) would land now; give them a moment to show.
    await pause(5_000);
    clearInterval(sampler);

    const index = indexCrm(crm.accepted, crm.replays);
    const figures: ScenarioFigures[] = selected.map((s) => ({ ...figuresFor(s.name, load.sent.filter((l) => l.scenario === s.name), index), maxSpoolDepth: spoolPeak.get(s.name) ?? 0 }));
    const total = figuresFor('all scenarios', load.sent, index);
    const unacked = load.sent.filter((l) => l.ackedAt === undefined);
    const report = [
      `### Fault run (${mode} mode, ${new Date().toISOString().slice(0, 10)}, ${Math.round((Date.now() - started) / 1000)} s)`,
      '',
      ...[...figures, total].map((f) => `${renderTable(f)}\n`),
      `Never acknowledged (provider gave up): ${unacked.length}${unacked.length > 0 ? ` — first: ${unacked[0].failure ?? ''}` : ''}.`,
      `CRM: ${crm.accepted.length} accepted, ${crm.replays.length} Idempotency-Key replays, ${crm.requests.length} requests.`,
    ].join('\n');
    process.stdout.write(`\n${report}\n`);
    if (process.env.FAULTS_REPORT) writeFileSync(process.env.FAULTS_REPORT, `${report}\n`);
    const failed = total.lost > 0 || total.duplicated > 0;
    log(failed ? `FAILED: ${total.lost} lost, ${total.duplicated} duplicated` : 'passed: nothing acknowledged was lost or doubled');
    return failed ? 1 : 0;
  } finally {
    await cluster.stopAll().catch((err: unknown) => log(`stop failed: ${String(err)}`));
    await crm.close();
    if (process.env.FAULTS_KEEP === '1') {
      log(`kept: database ${db.url}, work dir ${workDir}`);
    } else {
      await db.drop().catch((err: unknown) => log(`drop failed: ${String(err)}`));
      rmSync(workDir, { recursive: true, force: true });
    }
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`[faults] ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(2);
  },
);
