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
import { writeFileSync } from 'node:fs';
import { adminDatabaseUrl } from '../support/postgres.js';
import { brokerControl } from './faults.broker.js';
import { postgresControl } from './faults.postgres.js';
import { runFaults } from './faults.run.js';
import { scenarios, timings } from './faults.scenarios.js';

const mode = process.env.FAULTS_MODE === 'short' ? 'short' : 'long';
const started = Date.now();
const log = (message: string): void => void process.stdout.write(`[faults +${((Date.now() - started) / 1000).toFixed(1)}s] ${message}\n`);
const list = (v: string | undefined): string[] => (v ?? '').split(',').map((s) => s.trim()).filter(Boolean);

async function main(): Promise<number> {
  const only = list(process.env.FAULTS_ONLY);
  const skip = list(process.env.FAULTS_SKIP);
  const postgres = postgresControl();
  // The run restarts its cluster: its database must live there, not on the machine's shared one.
  if (new URL(adminDatabaseUrl).port !== new URL(postgres.url).port) throw new Error(`LEADGATE_TEST_DATABASE_URL (${adminDatabaseUrl}) is not the private cluster ${postgres.url}`);
  const result = await runFaults({
    label: mode,
    timing: timings[mode],
    scenarios: scenarios.filter((s) => (only.length === 0 || only.includes(s.name)) && !skip.includes(s.name)),
    broker: brokerControl(),
    postgres,
    patienceMs: mode === 'short' ? 120_000 : 300_000,
    log,
    keep: process.env.FAULTS_KEEP === '1',
    roleLogLevel: process.env.FAULTS_LOG_LEVEL,
  });
  process.stdout.write(`\n${result.report}\n`);
  if (process.env.FAULTS_REPORT) writeFileSync(process.env.FAULTS_REPORT, `${result.report}\n`);
  const { lost, duplicated } = result.total;
  log(result.failed ? `FAILED: ${lost} lost, ${duplicated} duplicated` : 'passed: nothing acknowledged was lost or doubled');
  return result.failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`[faults] ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(2);
  },
);
