import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { fileURLToPath } from 'node:url';
import autocannon, { type Request } from 'autocannon';

export const root = fileURLToPath(new URL('..', import.meta.url));

export interface LoadResult {
  requestsPerSec: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
}

let seq = 0;

/**
 * A realistic web-form lead, unique per request so dedupe does not short-circuit the work. `tag` goes into
 * the event id (`bench-<tag>-<n>`), so a CRM stub can tell which load posted the lead it receives.
 */
export function formBody(tag: string = String(process.pid)): string {
  const n = seq++;
  const phone = `+7912${String(1000000 + (n % 9000000)).slice(-7)}`;
  return JSON.stringify({ name: `Bench ${n}`, phone, email: `bench${n}@example.com`, message: 'Please call me back', utm_source: 'bench', eventId: `bench-${tag}-${n}` });
}

export async function load(url: string, options: { connections?: number; durationSec?: number; amount?: number; tag?: string } = {}): Promise<LoadResult> {
  const result = await autocannon({
    url,
    method: 'POST',
    connections: options.connections ?? 50,
    ...(options.amount ? { amount: options.amount } : { duration: options.durationSec ?? 10 }),
    headers: { 'content-type': 'application/json' },
    requests: [{ setupRequest: (req: Request) => ({ ...req, body: formBody(options.tag) }) }],
  });
  return {
    requestsPerSec: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
  };
}

export async function waitForLine(child: ChildProcess, pattern: RegExp, timeoutMs = 60_000): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${pattern}: ${out}`)), timeoutMs);
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
      if (pattern.test(out)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`exited with ${code}: ${out}`)));
  });
}

/**
 * Runs a TypeScript entry point in a child Node. With BENCH_CPU_PROF=<dir> every child writes a V8 CPU
 * profile there when it exits (open it in Chrome DevTools, or summarise it with bench/tools/profile-top.ts).
 */
export function spawnTs(script: string, args: string[], env: Record<string, string> = {}): ChildProcess {
  const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  return spawn(process.execPath, [...profile, '--import', 'tsx', script, ...args], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
}

/** The variables (config/config.env.ts) that move a Leadgate off the embedded back-end. */
const backendVariables = ['LEADGATE_KAFKA_BROKERS', 'LEADGATE_BUS_NAMESPACE', 'LEADGATE_DATABASE_URL'];

/**
 * The environment of a spawned Leadgate on the embedded back-end (PGlite log and store in `dataDir`).
 * `npm run bench` exports LEADGATE_KAFKA_BROKERS for its Kafka cases and a child inherits this process's
 * environment, so an embedded case must blank the back-end variables ('' counts as unset): else it runs
 * on the shared broker, where one case's records are consumed by the next. A blank variable also hides its
 * `_FILE` form (config.interpolation.ts reads the file only when the variable is absent).
 */
export function embeddedEnv(dataDir: string): Record<string, string> {
  return { ...Object.fromEntries(backendVariables.map((name) => [name, ''])), LEADGATE_DATA_DIR: dataDir };
}

export async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

const adminUrl = process.env.BENCH_DATABASE_URL ?? process.env.LEADGATE_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** Runs `fn` with the URL of a fresh PostgreSQL database (BENCH_DATABASE_URL's server), dropped afterwards. */
export async function withDatabase<T>(fn: (url: string) => Promise<T>): Promise<T> {
  const name = `leadgate_bench_${randomUUID().slice(0, 8)}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  try {
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    return await fn(url.toString());
  } finally {
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.end();
  }
}
