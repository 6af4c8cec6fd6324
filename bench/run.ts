import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { startCrmStub } from '../scripts/crm-stub.js';
import { freePort } from '../tests/support/leadgate-process.js';
import { formBody, load, spawnTs, stop, waitForLine, withDatabase, type LoadResult } from './bench-support.js';

/**
 * `npm run bench`: one table, measured in one run on this machine.
 *   (a) bare Node http + JSON.parse (the ceiling), (b) Leadgate ingest on the embedded default,
 *   (c) Leadgate ingest on Kafka, (d) end-to-end leads/s to a local CRM stub on Kafka + PostgreSQL.
 * Environment: BENCH_SECONDS (default 10), BENCH_CONNECTIONS (50), BENCH_E2E_LEADS (20000),
 * LEADGATE_KAFKA_BROKERS (scripts/bench.sh starts a broker when unset), BENCH_DATABASE_URL.
 */
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 50);
const e2eLeads = Number(process.env.BENCH_E2E_LEADS ?? 20000);
const brokers = process.env.LEADGATE_KAFKA_BROKERS;

const dir = mkdtempSync(join(tmpdir(), 'leadgate-bench-'));
const config = join(dir, 'bench.yaml');

async function leadgate(roles: string, env: Record<string, string>, port: number): Promise<ReturnType<typeof spawnTs>> {
  const child = spawnTs('bin/leadgate.ts', ['start', '--config', config, '--role', roles], { LEADGATE_LOG_LEVEL: 'warn', LEADGATE_PORT: String(port), LEADGATE_HOST: '127.0.0.1', ...env });
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`leadgate exited with ${child.exitCode}`);
    if (!roles.includes('gateway')) {
      await new Promise((r) => setTimeout(r, 3000));
      return child;
    }
    try {
      if ((await fetch(`http://127.0.0.1:${port}/health`)).ok) return child;
    } catch {
      // starting
    }
    if (Date.now() > deadline) throw new Error('leadgate did not start');
    await new Promise((r) => setTimeout(r, 200));
  }
}

type Row = { case: string; 'req/s': number | string; 'p50 ms': number | string; 'p99 ms': number | string; note: string };
const rows: Row[] = [];
const row = (name: string, r: LoadResult, note = ''): void => {
  rows.push({ case: name, 'req/s': r.requestsPerSec, 'p50 ms': r.p50, 'p99 ms': r.p99, note: `${note}${r.non2xx || r.errors ? ` non2xx=${r.non2xx} errors=${r.errors}` : ''}`.trim() });
};

async function main(): Promise<void> {
  const crm = await startCrmStub();
  writeFileSync(config, `router:\n  owners: [{ id: a }, { id: b }, { id: c }, { id: d }]\n  destination: { kind: webhook, url: "${crm.url}" }\nconnectors:\n  - { id: site, kind: forms }\n`);
  const opts = { connections, durationSec: seconds };

  // (a) ceiling
  const barePort = await freePort();
  const bare = spawnTs('bench/bare-http.server.ts', [String(barePort)]);
  await waitForLine(bare, /ready/);
  const bareResult = await load(`http://127.0.0.1:${barePort}/`, opts);
  row('(a) bare node http + JSON.parse', bareResult, 'ceiling');
  await stop(bare);

  // (b) embedded ingest (gateway role: durable publish into the embedded log)
  const embPort = await freePort();
  const emb = await leadgate('gateway', { LEADGATE_DATA_DIR: join(dir, 'data') }, embPort);
  const embResult = await load(`http://127.0.0.1:${embPort}/v1/hooks/site`, opts);
  row('(b) leadgate ingest, embedded', embResult, `${Math.round((embResult.requestsPerSec / bareResult.requestsPerSec) * 100)}% of (a)`);
  await stop(emb);

  if (!brokers) {
    rows.push({ case: '(c)/(d) skipped', 'req/s': '-', 'p50 ms': '-', 'p99 ms': '-', note: 'LEADGATE_KAFKA_BROKERS not set' });
  } else {
    await withDatabase(async (url) => {
      const env = { LEADGATE_KAFKA_BROKERS: brokers, LEADGATE_DATABASE_URL: url, LEADGATE_BUS_NAMESPACE: `bench${randomUUID().slice(0, 6)}` };
      // (c) Kafka ingest
      const kPort = await freePort();
      const gw = await leadgate('gateway', env, kPort);
      const kResult = await load(`http://127.0.0.1:${kPort}/v1/hooks/site`, opts);
      row('(c) leadgate ingest, Kafka', kResult, `${Math.round((kResult.requestsPerSec / bareResult.requestsPerSec) * 100)}% of (a)`);

      // (d) end to end: the raw events of (c) plus a fixed batch drain through normalizer + router
      const backlog = kResult.requestsPerSec * seconds;
      const extra = await load(`http://127.0.0.1:${kPort}/v1/hooks/site`, { connections, amount: e2eLeads });
      const total = backlog + e2eLeads - extra.non2xx;
      const started = Date.now();
      const workers = await leadgate('normalizer,router', env, await freePort());
      await crm.waitForAccepted(total, 600_000).catch(() => undefined);
      const elapsed = (Date.now() - started) / 1000;
      const delivered = crm.accepted.length;
      rows.push({ case: '(d) end to end, Kafka + PostgreSQL', 'req/s': Math.round(delivered / elapsed), 'p50 ms': '-', 'p99 ms': '-', note: `${delivered} leads delivered in ${elapsed.toFixed(1)} s (incl. consumer start)` });
      await stop(workers);
      await stop(gw);
    });
  }
  await crm.close();
  process.stdout.write(`\nLeadgate benchmark: ${connections} connections, ${seconds} s per case, form body ≈ ${formBody().length} bytes\n`);
  console.table(rows);
}

main()
  .catch((err: unknown) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exitCode = 1;
  })
  .finally(() => rmSync(dir, { recursive: true, force: true }));
