import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { randomInt, randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { startCrmStub, type CrmStub } from '../../scripts/crm-stub.js';
import { sendRaw } from './fuzz-client.js';
import { formsEndpoints, messengerEndpoints, type FuzzEndpoint, type Seed } from './fuzz-endpoints.js';
import { telephonyEndpoints } from './fuzz-endpoints-telephony.js';
import { grammarMutationArb } from './fuzz-grammar.js';
import { mutationArb, type Mutation, type MutatedRequest } from './fuzz-mutations.js';
import { validLeads } from './fuzz-valid-leads.js';
import { freePort, spawnLeadgate, type LeadgateProcess } from './leadgate-process.js';
import { kafkaBrokers, type Backend } from './pipeline-harness.js';
import { createTestDatabase } from './postgres.js';

/** One endpoint's line of the hostile-input table. */
export interface PipelineFuzzRow {
  backend: Backend;
  endpoint: string;
  cases: number;
  '2xx': number;
  '4xx': number;
  '5xx': number;
  noAnswer: number;
  /** Times the Leadgate process was found dead (and restarted) while this endpoint's mutants ran. */
  crashes: number;
  validDelivered: boolean;
  /** A few failing cases (5xx, no answer), for the failure message. */
  examples: string[];
}

export interface PipelineFuzzOptions {
  backend: Backend;
  /** Mutants per endpoint. */
  runs: number;
  seed?: number;
  /** Requests in flight at once. */
  concurrency?: number;
}

export const fuzzEndpoints = (): FuzzEndpoint[] => [...formsEndpoints(), ...messengerEndpoints(), ...telephonyEndpoints()];

interface Case {
  auth: string;
  mutation: Mutation;
  seed: Seed;
}

/** Half the generic byte-level mutations (which include intact requests), half the grammar-aware ones. */
function caseArb(endpoint: FuzzEndpoint): fc.Arbitrary<Case> {
  return fc
    .record({ auth: fc.constantFrom(...endpoint.authModes), mutation: fc.oneof(mutationArb(), grammarMutationArb()) })
    .chain(({ auth, mutation }) => endpoint.seed(auth).map((seed) => ({ auth, mutation, seed })));
}

function writeConfig(dir: string, crmUrl: string, endpoints: FuzzEndpoint[]): string {
  const path = join(dir, 'leadgate.yaml');
  // JSON is YAML: the connector configs go in exactly as the in-process fuzz uses them.
  const config = {
    server: { requestTimeoutMs: 20_000 },
    router: { owners: [{ id: 'anna' }, { id: 'boris' }], destination: { kind: 'webhook', url: crmUrl }, retry: { attempts: 3, initialMs: 20, maxMs: 500 } },
    connectors: endpoints.map((e) => e.config),
  };
  writeFileSync(path, JSON.stringify(config, null, 2));
  return path;
}

const alive = (p: LeadgateProcess): boolean => p.child.exitCode === null && p.child.signalCode === null;

async function waitForDelivery(crm: CrmStub, digits: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (crm.accepted.some((d) => JSON.stringify(d.body).includes(digits))) return true;
    await new Promise((r) => setTimeout(r, 250));
  }
  return false;
}

/**
 * Runs Leadgate as a real child process (all fuzzed connectors, the CRM stub as its destination) on one
 * back-end, sends `runs` mutants to each endpoint, then one valid lead per endpoint, and reports per
 * endpoint the answer classes, how often the process died (it is restarted so the count goes on), and
 * whether the valid lead reached the CRM.
 */
export async function runPipelineFuzz(options: PipelineFuzzOptions): Promise<PipelineFuzzRow[]> {
  const endpoints = fuzzEndpoints();
  const crm = await startCrmStub();
  const dir = mkdtempSync(join(tmpdir(), 'leadgate-fuzz-'));
  const db = options.backend === 'kafka' ? await createTestDatabase() : undefined;
  const env: Record<string, string> = db
    ? { LEADGATE_KAFKA_BROKERS: kafkaBrokers(), LEADGATE_DATABASE_URL: db.url, LEADGATE_BUS_NAMESPACE: `fz${randomUUID().slice(0, 6)}` }
    : { LEADGATE_DATA_DIR: join(dir, 'data') };
  const config = writeConfig(dir, crm.url, endpoints);
  const port = await freePort();
  const start = (): Promise<LeadgateProcess> => spawnLeadgate(['--config', config], env, port);
  let proc = await start();
  const rows: PipelineFuzzRow[] = [];
  try {
    for (const [index, endpoint] of endpoints.entries()) {
      const row: PipelineFuzzRow = { backend: options.backend, endpoint: endpoint.name, cases: 0, '2xx': 0, '4xx': 0, '5xx': 0, noAnswer: 0, crashes: 0, validDelivered: false, examples: [] };
      const checkAlive = async (): Promise<void> => {
        if (alive(proc)) return;
        row.crashes++;
        if (row.examples.length < 5) row.examples.push(`process died: ${proc.output().slice(-1500)}`);
        proc = await start();
      };
      const batch = 200;
      for (let done = 0; done < options.runs; done += batch) {
        const n = Math.min(batch, options.runs - done);
        // Sampled in batches so 10,000 mutants (some of 400 KB) never sit in memory at once.
        const cases = fc.sample(caseArb(endpoint), { numRuns: n, seed: (options.seed ?? 1) * 1_000_003 + index * 7919 + done });
        let next = 0;
        const worker = async (): Promise<void> => {
          while (next < cases.length) {
            const c = cases[next++];
            if (!c) break;
            const req = endpoint.sign(c.mutation.apply(c.seed.request) as MutatedRequest, c.auth, c.seed);
            row.cases++;
            try {
              const res = await sendRaw(port, req);
              const cls = res.status >= 500 ? '5xx' : res.status >= 400 ? '4xx' : '2xx';
              row[cls]++;
              if (cls === '5xx' && row.examples.length < 5) row.examples.push(`${res.status} ${c.mutation.label}: ${res.body.subarray(0, 200).toString('utf8')}`);
            } catch (err) {
              row.noAnswer++;
              if (row.examples.length < 5) row.examples.push(`no answer (${(err as Error).message}) ${c.mutation.label} ${req.method} ${req.path.slice(0, 80)}`);
              await checkAlive();
            }
          }
        };
        await Promise.all(Array.from({ length: options.concurrency ?? 4 }, worker));
        await checkAlive();
      }
      const lead = validLeads[endpoint.name];
      if (!lead) throw new Error(`no valid lead for ${endpoint.name}`);
      const digits = `903${String(randomInt(10_000_000)).padStart(7, '0')}`;
      const answer = await sendRaw(port, lead(digits)).catch((err: Error) => err);
      if (answer instanceof Error || answer.status >= 300) {
        row.examples.push(`valid lead answered ${answer instanceof Error ? answer.message : `${answer.status} ${answer.body.toString('utf8').slice(0, 200)}`}`);
      } else {
        row.validDelivered = await waitForDelivery(crm, digits, 90_000);
      }
      await checkAlive();
      rows.push(row);
    }
  } finally {
    await proc.kill('SIGTERM');
    await crm.close();
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

/** The table printed by the long run and kept in the README. */
export function formatPipelineFuzzTable(rows: PipelineFuzzRow[]): string {
  const head = '| back-end | endpoint | mutants | 2xx | 4xx | 5xx | no answer | crashes | valid lead after the mutants delivered |';
  const lines = rows.map((r) => `| ${r.backend} | ${r.endpoint} | ${r.cases} | ${r['2xx']} | ${r['4xx']} | ${r['5xx']} | ${r.noAnswer} | ${r.crashes} | ${r.validDelivered ? 'yes' : 'no'} |`);
  return [head, '|---|---|---|---|---|---|---|---|---|', ...lines].join('\n');
}
