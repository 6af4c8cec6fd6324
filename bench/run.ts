import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { startCrmStub } from '../scripts/crm-stub.js';
import { freePort } from '../tests/support/leadgate-process.js';
import { embeddedEnv, formBody, load, spawnTs, stop, waitForLine, withDatabase, type LoadResult } from './bench-support.js';
import { describeDeliveries, drainEndToEnd, type DrainResult } from './e2e-drain.js';

/**
 * `npm run bench`: one table, measured in one run on this machine.
 *   (a) bare Node http + JSON.parse (the ceiling), (b) Leadgate ingest on the embedded default,
 *   (c) Leadgate ingest on Kafka, (d) end-to-end leads/s to a local CRM stub on Kafka + PostgreSQL,
 *   (e) the same on the embedded back-end; (d) and (e) once per mode of BENCH_E2E_MODES (`record`: both
 *   batch switches off; `batch`: `normalizer.batch` on, `router.batch` off; `router`: both on), so before
 *   and after come from one run.
 * Environment: BENCH_SECONDS (default 10), BENCH_CONNECTIONS (50), BENCH_E2E_LEADS (5000), BENCH_E2E_MODES,
 * BENCH_E2E_BACKENDS (`kafka,embedded`: which of (d) and (e) run),
 * LEADGATE_KAFKA_BROKERS (scripts/bench.sh starts a broker when unset), BENCH_DATABASE_URL.
 */
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 50);
const e2eLeads = Number(process.env.BENCH_E2E_LEADS ?? 5000);
const e2eModes = (process.env.BENCH_E2E_MODES ?? 'record,batch').split(',').filter((m) => m === 'record' || m === 'batch' || m === 'router');
const e2eBackends = (process.env.BENCH_E2E_BACKENDS ?? 'kafka,embedded').split(',');
const brokers = process.env.LEADGATE_KAFKA_BROKERS;

const dir = mkdtempSync(join(tmpdir(), 'leadgate-bench-'));
const config = join(dir, 'bench.yaml');

async function leadgate(roles: string, env: Record<string, string>, port: number, configFile = config): Promise<ReturnType<typeof spawnTs>> {
  const child = spawnTs('bin/leadgate.ts', ['start', '--config', configFile, '--role', roles], { LEADGATE_LOG_LEVEL: 'warn', LEADGATE_PORT: String(port), LEADGATE_HOST: '127.0.0.1', ...env });
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
  const yaml = `router:\n  owners: [{ id: a }, { id: b }, { id: c }, { id: d }]\n  destination: { kind: webhook, url: "${crm.url}" }\nconnectors:\n  - { id: site, kind: forms }\n`;
  writeFileSync(config, yaml);
  const modeConfig = (mode: string): string => {
    const file = join(dir, `bench-${mode}.yaml`);
    writeFileSync(file, `${yaml.replace('router:\n', `router:\n  batch: { enabled: ${mode === 'router'} }\n`)}normalizer:\n  batch: { enabled: ${mode !== 'record'} }\n`);
    return file;
  };
  const e2e = async (name: string, mode: string, env: Record<string, string>): Promise<void> => {
    const file = modeConfig(mode);
    const r: DrainResult = await drainEndToEnd({ start: (roles, port) => leadgate(roles, env, port, file), stop, freePort, crm, connections }, e2eLeads);
    rows.push({ case: `${name}, ${mode === 'record' ? 'per record' : mode === 'batch' ? 'normalizer batch' : 'normalizer + router batch'}`, 'req/s': r.leadsPerSec, 'p50 ms': '-', 'p99 ms': '-', note: `leads/s: ${describeDeliveries(r)}` });
  };
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
  const emb = await leadgate('gateway', embeddedEnv(join(dir, 'data')), embPort);
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

      await stop(gw);
    });
    // (d) end to end: posted to a gateway, then drained by normalizer + router; a fresh database per mode
    for (const mode of e2eBackends.includes('kafka') ? e2eModes : []) {
      await withDatabase((url) => e2e('(d) end to end, Kafka + PostgreSQL', mode, { LEADGATE_KAFKA_BROKERS: brokers, LEADGATE_DATABASE_URL: url, LEADGATE_BUS_NAMESPACE: `bench${randomUUID().slice(0, 6)}` }));
    }
  }
  // (e) embedded end to end: the same drain on PGlite (its own data directory per mode)
  for (const mode of e2eBackends.includes('embedded') ? e2eModes : []) await e2e('(e) end to end, embedded', mode, embeddedEnv(join(dir, `e2e-${mode}`)));
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
