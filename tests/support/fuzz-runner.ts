import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import fc from 'fast-check';
import pino from 'pino';
import { ErrorCatalogue, type ErrorCode } from '../../contracts/errors.js';
import { rawEventV1Schema, type RawEventV1 } from '../../contracts/raw-event.js';
import { Topics } from '../../contracts/topics.js';
import { createGatewayApp } from '../../gateway/app.js';
import { listen } from '../../gateway/server.js';
import { Metrics } from '../../platform/telemetry/metrics.js';
import { compile } from '../../platform/validation.js';
import { sendRaw, type RawRequest, type RawResponse } from './fuzz-client.js';
import type { FuzzEndpoint, Seed } from './fuzz-endpoints.js';
import { grammarMutationArb } from './fuzz-grammar.js';
import { mutationArb, type Mutation, type MutatedRequest } from './fuzz-mutations.js';
import { RecordingBus, StubStore } from './recording-bus.js';

export interface FuzzStats {
  endpoint: string;
  cases: number;
  accepted: number;
  ignored: number;
  /** `401 UNAUTHORIZED`, `413 PAYLOAD_TOO_LARGE`, `202`, … */
  outcomes: Record<string, number>;
  /** Mutation label → cases. */
  mutations: Record<string, number>;
  heapGrowthBytes: number;
  /** Highest resident set size sampled after each case (the whole jest worker, not only the gateway). */
  maxRssBytes: number;
}

export interface FuzzOptions {
  runs: number;
  seed?: number;
  /** Mounted on the gateway as-is, for the runner's own self-test with a deliberately broken plugin. */
  endpoint: FuzzEndpoint;
}

/** `FUZZ_RUNS` overrides the per-endpoint case count of the normal run. */
export function fuzzRuns(defaultRuns = 500): number {
  const n = Number(process.env.FUZZ_RUNS);
  return Number.isInteger(n) && n > 0 ? n : defaultRuns;
}

/**
 * One line per endpoint for the long run's record (docs/faults.md): cases, answer classes, crashes
 * (always 0 when the run got here: any 5xx, missing answer or unhandled rejection fails the run first).
 */
export function formatFuzzSummary(stats: FuzzStats): string {
  const byClass = { '2xx': 0, '4xx': 0, other: 0 };
  for (const [outcome, n] of Object.entries(stats.outcomes)) {
    const status = Number(outcome.split(' ')[0]);
    byClass[status >= 200 && status < 300 ? '2xx' : status >= 400 && status < 500 ? '4xx' : 'other'] += n;
  }
  const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
  return (
    `fuzz ${stats.endpoint}: ${stats.cases} cases, 2xx ${byClass['2xx']} (published ${stats.accepted}, ignored ${stats.ignored}), ` +
    `4xx ${byClass['4xx']}, other ${byClass.other}, crashes 0, heap growth ${mb(stats.heapGrowthBytes)}, max RSS ${mb(stats.maxRssBytes)}`
  );
}

let gcFn: (() => void) | undefined;
/** Jest cannot pass --expose-gc, so the flag is set at run time and `gc` fetched from a fresh context. */
function forceGc(): void {
  if (!gcFn) {
    setFlagsFromString('--expose_gc');
    gcFn = runInNewContext('gc') as () => void;
  }
  gcFn();
}

async function settledHeap(): Promise<number> {
  for (let i = 0; i < 3; i++) {
    forceGc();
    await new Promise((r) => setImmediate(r));
  }
  return process.memoryUsage().heapUsed;
}

interface Case {
  auth: string;
  mutation: Mutation;
  seed: Seed;
}

function describeCase(c: Case, req: RawRequest, res?: RawResponse): string {
  const headers = req.headers.map(([n, v]) => `${n}: ${v.length > 120 ? `${v.slice(0, 120)}…(${v.length})` : v}`).join(' | ');
  const body = req.body.length > 300 ? `${req.body.subarray(0, 300).toString('latin1')}…(${req.body.length} bytes)` : req.body.toString('latin1');
  const answer = res ? ` → ${res.status} ${res.body.subarray(0, 300).toString('utf8')}` : '';
  return `[auth=${c.auth} mutation=${c.mutation.label} intact=${c.seed.intact}] ${req.method} ${req.path.slice(0, 200)} {${headers}} ${JSON.stringify(body)}${answer}`;
}

function errorCodeOf(res: RawResponse): string | undefined {
  try {
    const code = (JSON.parse(res.body.toString('utf8')) as { error?: { code?: unknown } }).error?.code;
    return typeof code === 'string' ? code : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Fuzzes one endpoint over a real listening gateway (RecordingBus, stub store). Per case it checks:
 * no 5xx and always an answer; a 4xx carries a catalogue `error.code` whose status it is and publishes
 * nothing; a 2xx either publishes only for an authentic request (the endpoint's own oracle), every record
 * valid RawEvent v1 on the raw topic, or is a documented no-op; an intact, correctly signed request is
 * answered 2xx. After the run: no unhandled rejection, `/health` still answers, heap growth bounded.
 */
export async function runEndpointFuzz(options: FuzzOptions): Promise<FuzzStats> {
  const { endpoint, runs } = options;
  const bus = new RecordingBus();
  const gateway = createGatewayApp({
    connectors: [{ plugin: endpoint.plugin, config: endpoint.config }],
    bus,
    store: new StubStore(),
    metrics: new Metrics({ defaultMetrics: false }),
    logger: pino({ level: 'silent' }),
  });
  const server = await listen(gateway.app, { host: '127.0.0.1', port: 0 });
  const port = server.boundAddress().port;
  const validate = compile<RawEventV1>(rawEventV1Schema);
  const stats: FuzzStats = { endpoint: endpoint.name, cases: 0, accepted: 0, ignored: 0, outcomes: {}, mutations: {}, heapGrowthBytes: 0, maxRssBytes: 0 };
  const rejections: unknown[] = [];
  const onRejection = (reason: unknown): void => {
    rejections.push(reason);
  };
  process.on('unhandledRejection', onRejection);
  const bump = (map: Record<string, number>, key: string): void => {
    map[key] = (map[key] ?? 0) + 1;
  };

  const caseArb: fc.Arbitrary<Case> = fc
    .record({ auth: fc.constantFrom(...endpoint.authModes), mutation: fc.oneof(mutationArb(), grammarMutationArb()) })
    .chain(({ auth, mutation }) => endpoint.seed(auth).map((seed) => ({ auth, mutation, seed })));

  const check = async (c: Case): Promise<void> => {
    const mutated: MutatedRequest = c.mutation.apply(c.seed.request);
    const req = endpoint.sign(mutated, c.auth, c.seed) as MutatedRequest;
    const before = bus.records.length;
    let res: RawResponse;
    try {
      res = await sendRaw(port, req);
    } catch (err) {
      throw new Error(`no answer (${(err as Error).message}): ${describeCase(c, req)}`);
    }
    const records = bus.records.slice(before);
    bus.clear();
    const fail = (why: string): never => {
      throw new Error(`${endpoint.name}: ${why}: ${describeCase(c, req, res)}`);
    };
    stats.cases++;
    stats.maxRssBytes = Math.max(stats.maxRssBytes, process.memoryUsage.rss());
    bump(stats.mutations, c.mutation.label);
    const code = errorCodeOf(res);
    bump(stats.outcomes, code ? `${res.status} ${code}` : String(res.status));

    if (res.status >= 500) fail('server error');
    if (res.status >= 300 && res.status < 400) fail('unexpected redirect');
    if (res.status >= 400) {
      if (records.length > 0) fail('published yet refused');
      if (req.method === 'HEAD') return;
      if (!code || !(code in ErrorCatalogue)) fail('4xx without a catalogue error.code');
      const expected = ErrorCatalogue[code as ErrorCode].status;
      // The two documented exceptions from the server's clientError answer (docs/hardening.md).
      const transport = (res.status === 431 && code === 'PAYLOAD_TOO_LARGE') || (res.status === 408 && code === 'BAD_REQUEST');
      if (res.status !== expected && !transport) fail(`status ${res.status} does not match ${code} (${expected})`);
    } else if (records.length > 0) {
      stats.accepted++;
      const published = records.map((r) => r.value as RawEventV1);
      for (const r of records) {
        if (r.topic !== Topics.raw) fail(`published to ${r.topic}`);
        if (!validate(r.value)) fail(`published an invalid raw event: ${JSON.stringify(validate.errors)}`);
        if ((r.value as RawEventV1).connector.id !== endpoint.config.id) fail('published under another connector');
      }
      if (!endpoint.authentic(req, published)) fail('published an unauthenticated request');
    } else {
      stats.ignored++;
      if (!endpoint.isNoop(req, res)) fail('2xx that published nothing and is not a documented no-op');
    }
    const intact = c.seed.intact && c.auth.startsWith('valid') && ['none', 'chunked'].includes(c.mutation.label);
    if (intact && (res.status < 200 || res.status >= 300)) fail('a valid, correctly signed request was refused');
  };

  let heapBefore = 0;
  try {
    // Warm-up first so lazily compiled schemas and JIT do not count as growth.
    await fc.assert(fc.asyncProperty(caseArb, check), { numRuns: Math.min(50, runs), seed: options.seed, endOnFailure: true });
    heapBefore = await settledHeap();
    await fc.assert(fc.asyncProperty(caseArb, check), { numRuns: runs, seed: options.seed === undefined ? undefined : options.seed + 1, endOnFailure: true });
    stats.heapGrowthBytes = (await settledHeap()) - heapBefore;
    const health = await fetch(`http://127.0.0.1:${port}/health`);
    if (health.status !== 200) throw new Error(`${endpoint.name}: /health answered ${health.status} after the run`);
    if (rejections.length > 0) throw new Error(`${endpoint.name}: unhandled rejection: ${String(rejections[0])}`);
  } finally {
    process.off('unhandledRejection', onRejection);
    await server.shutdown();
  }
  return stats;
}
