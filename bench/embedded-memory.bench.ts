import { readFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCrmStub } from '../scripts/crm-stub.js';
import { freePort } from '../tests/support/leadgate-process.js';
import { spawn } from 'node:child_process';
import { embeddedEnv, load, root, spawnTs, stop } from './bench-support.js';

/**
 * `node --import tsx bench/embedded-memory.bench.ts`: resident memory of one `leadgate start` process with
 * every role on the embedded default (PGlite store and log), idle and under ingest load, sampled from
 * /proc every 250 ms. Runs the built server (`dist/`, as `npm start` does; build first) unless BENCH_SOURCE=1,
 * which runs the TypeScript through tsx (that loader alone adds about 100 MB).
 * Environment: BENCH_SECONDS (default 20), BENCH_CONNECTIONS (50), BENCH_NODE_FLAGS (node flags for the server).
 */
const seconds = Number(process.env.BENCH_SECONDS ?? 20);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 50);

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return Math.round(kb / 1024);
}

async function waitHealthy(port: number): Promise<void> {
  const deadline = Date.now() + 180_000;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/health`)).ok) return;
    } catch {
      // still starting
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('leadgate did not start');
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'leadgate-mem-'));
  const crm = await startCrmStub();
  const config = join(dir, 'bench.yaml');
  writeFileSync(config, `router:\n  owners: [{ id: a }, { id: b }]\n  destination: { kind: webhook, url: "${crm.url}" }\nconnectors:\n  - { id: site, kind: forms }\n`);
  const port = await freePort();
  const env = { LEADGATE_LOG_LEVEL: 'warn', LEADGATE_PORT: String(port), LEADGATE_HOST: '127.0.0.1', ...embeddedEnv(join(dir, 'data')) };
  const args = ['start', '--config', config];
  const child =
    process.env.BENCH_SOURCE === '1'
      ? spawnTs('bin/leadgate.ts', args, env)
      : spawn(process.execPath, [...(process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean), 'dist/bin/leadgate.js', ...args], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    await waitHealthy(port);
    const pid = child.pid as number;
    const idle = rssMb(pid);
    let peak = idle;
    const sampler = setInterval(() => (peak = Math.max(peak, rssMb(pid))), 250);
    const result = await load(`http://127.0.0.1:${port}/v1/hooks/site`, { connections, durationSec: seconds });
    const accepted = Math.round(result.requestsPerSec * seconds) - result.non2xx;
    // Keep sampling while the normalizer and router drain what the gateway accepted.
    await crm.waitForAccepted(accepted, 300_000).catch(() => undefined);
    clearInterval(sampler);
    console.table([
      { case: 'idle after start', 'RSS MB': idle, note: '' },
      { case: `peak, ${connections} connections for ${seconds} s + drain`, 'RSS MB': peak, note: `${result.requestsPerSec} req/s ingest, ${crm.accepted.length} delivered` },
    ]);
  } finally {
    await stop(child);
    await crm.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
