/**
 * Call storm → callback tasks, through real processes on Kafka + PostgreSQL.
 *   LEADGATE_KAFKA_BROKERS=127.0.0.1:19092 node --import tsx bench/telephony.bench.ts
 *
 * Spawns a gateway and a normalizer+router process (`leadgate start --role …`), a local CRM stub records
 * arrival times. BENCH_CALLS (default 1000) inbound calls hit the Zadarma webhook with valid signatures:
 * every NOTIFY_START at once (BENCH_CONCURRENCY requests in flight, default 200), then every NOTIFY_END
 * with `no answer`. Reported: events/s accepted, the webhook answer time, and the time from each call's
 * final event being acknowledged to its `callback.create` reaching the CRM, split by stage (normalizer,
 * router + lead delivery, callback delivery) so a slow figure says where the time went.
 * BENCH_DATABASE_URL (or LEADGATE_TEST_DATABASE_URL): the PostgreSQL server a scratch database is made on.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { zadarmaSignatures, zadarmaSignedString } from '../connectors/telephony/zadarma.signature.js';
import { startCrmStub, type ReceivedDelivery } from '../scripts/crm-stub.js';
import { freePort } from '../tests/support/leadgate-process.js';
import { root, stop, withDatabase } from './bench-support.js';

const calls = Number(process.env.BENCH_CALLS ?? 1000);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 200);
const brokers = process.env.LEADGATE_KAFKA_BROKERS;
const apiSecret = 'bench-zadarma-api-secret';
const warmupCalls = 20;
// BENCH_STREAM=0 turns the live stream (and so the call.ringing lookups on every start) off, for an A/B.
const streamEnabled = process.env.BENCH_STREAM !== '0';
// BENCH_PROFILE=<dir>: the leadgate processes write V8 CPU profiles there on exit (open in Chrome DevTools).
const profileDir = process.env.BENCH_PROFILE;

type Fields = Record<string, string>;

/** Waits until the process answers /health (both roles serve it), or fails. */
async function leadgate(configPath: string, roles: string, env: Record<string, string>): Promise<{ child: ChildProcess; port: number }> {
  const port = await freePort();
  // Not spawnTs: --cpu-prof is refused in NODE_OPTIONS, so it goes on the command line.
  const child = spawn(process.execPath, [...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []), '--import', 'tsx', 'bin/leadgate.ts', 'start', '--config', configPath, '--role', roles], {
    cwd: root,
    env: { ...process.env, LEADGATE_LOG_LEVEL: 'warn', LEADGATE_PORT: String(port), LEADGATE_HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`leadgate ${roles} exited with ${child.exitCode}`);
    try {
      if ((await fetch(`http://127.0.0.1:${port}/health`)).ok) return { child, port };
    } catch {
      // still starting
    }
    if (Date.now() > deadline) throw new Error(`leadgate ${roles} did not start`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

function call(i: number, runId: string): { pbxCallId: string; start: Fields; end: Fields } {
  const pbxCallId = `bench_${runId}_${i}`;
  // Distinct valid Russian mobile numbers: one contact, one lead and one callback task per call.
  const base = { pbx_call_id: pbxCallId, call_start: '2024-05-14 12:31:00', caller_id: `7916${String(1_000_000 + i).slice(-7)}`, called_did: '74951234567' };
  return {
    pbxCallId,
    start: { ...base, event: 'NOTIFY_START' },
    end: { ...base, event: 'NOTIFY_END', internal: '', duration: '0', disposition: 'no answer', status_code: '19', is_recorded: '0' },
  };
}

const answerMs: Record<'start' | 'end', number[]> = { start: [], end: [] };

/** Posts one signed Zadarma notification; resolves with the time the 200 was read, or undefined on failure. */
async function notify(url: string, fields: Fields): Promise<number | undefined> {
  const sentAt = Date.now();
  const signed = zadarmaSignedString(fields.event ?? '', fields) ?? '';
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', signature: zadarmaSignatures(apiSecret, signed).ofBytes },
      body: new URLSearchParams(fields).toString(),
    });
    await res.arrayBuffer();
    if (res.status !== 200) return undefined;
    const at = Date.now();
    answerMs[fields.event === 'NOTIFY_START' ? 'start' : 'end'].push(at - sentAt);
    return at;
  } catch {
    return undefined;
  }
}

/** Runs `work` over items with at most `limit` in flight; returns per-item results and the wall time. */
async function pool<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<{ results: R[]; seconds: number }> {
  const results = new Array<R>(items.length);
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await work(items[i] as T);
      }
    }),
  );
  return { results, seconds: (performance.now() - t0) / 1000 };
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] as number;
}

const ms = (v: number): string => (Number.isFinite(v) ? `${Math.round(v)} ms` : '-');

async function waitFor(probe: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
  return true;
}

const callIdOf = (d: ReceivedDelivery): string | undefined => (d.body.lead as { call?: { callId?: string } } | undefined)?.call?.callId;

async function main(): Promise<void> {
  if (!brokers) throw new Error('LEADGATE_KAFKA_BROKERS is required (scripts/kafka.sh start, or npm run bench)');
  const dir = mkdtempSync(join(tmpdir(), 'leadgate-bench-tel-'));
  const crm = await startCrmStub();
  const rows: [string, string][] = [];
  try {
    const configPath = join(dir, 'telephony.yaml');
    writeFileSync(
      configPath,
      [
        'router:',
        '  owners: [{ id: a }, { id: b }, { id: c }, { id: d }]',
        `  destination: { kind: webhook, url: "${crm.url}" }`,
        'connectors:',
        `  - { id: zd, kind: zadarma, apiSecret: ${apiSecret}, timeZone: Europe/Moscow }`,
        `stream: { enabled: ${streamEnabled} }`,
        '',
      ].join('\n'),
    );
    await withDatabase(async (url) => {
      const env: Record<string, string> = { LEADGATE_KAFKA_BROKERS: brokers, LEADGATE_DATABASE_URL: url, LEADGATE_BUS_NAMESPACE: `benchtel${randomUUID().slice(0, 6)}` };
      const gateway = await leadgate(configPath, 'gateway', env);
      const workers = await leadgate(configPath, 'normalizer,router', env);
      const hook = `http://127.0.0.1:${gateway.port}/v1/hooks/zd`;
      const runId = randomUUID().slice(0, 8);
      const callbacks = (): ReceivedDelivery[] => crm.accepted.filter((d) => d.body.event === 'callback.create');
      try {
        // Warm-up: consumer groups joined, connections and JIT warm, before anything is timed.
        const warm = Array.from({ length: warmupCalls }, (_, i) => call(5_000_000 + i, runId));
        for (const c of warm) {
          await notify(hook, c.start);
          await notify(hook, c.end);
        }
        if (!(await waitFor(() => callbacks().length >= warmupCalls, 180_000))) throw new Error(`warm-up: ${callbacks().length} of ${warmupCalls} callback tasks arrived`);
        const warmCount = crm.accepted.length;

        answerMs.start.length = 0;
        answerMs.end.length = 0;
        const storm = Array.from({ length: calls }, (_, i) => call(i, runId));
        const starts = await pool(storm, concurrency, (c) => notify(hook, c.start));
        const ends = await pool(storm, concurrency, (c) => notify(hook, c.end));
        const accepted = [...starts.results, ...ends.results].filter((t) => t !== undefined).length;
        const stormSeconds = starts.seconds + ends.seconds;
        const expected = warmupCalls + ends.results.filter((t) => t !== undefined).length;
        const complete = await waitFor(() => callbacks().length >= expected, 600_000);

        const ackOf = new Map(storm.map((c, i) => [`zadarma:${c.pbxCallId}`, ends.results[i]]));
        const arrivals = crm.accepted.slice(warmCount);
        const leadAt = new Map<string, ReceivedDelivery>();
        for (const d of arrivals) if (d.body.event === 'lead.create') leadAt.set(callIdOf(d) ?? '', d);
        const total: number[] = [];
        const toNormalized: number[] = [];
        const toLead: number[] = [];
        const toCallback: number[] = [];
        for (const d of arrivals) {
          if (d.body.event !== 'callback.create') continue;
          const id = callIdOf(d) ?? '';
          const ack = ackOf.get(id);
          if (ack === undefined) continue;
          total.push(d.receivedAt - ack);
          const lead = leadAt.get(id);
          const normalizedAt = Date.parse(String((d.body.lead as { normalizedAt?: string }).normalizedAt));
          if (Number.isFinite(normalizedAt)) toNormalized.push(normalizedAt - ack);
          if (lead && Number.isFinite(normalizedAt)) toLead.push(lead.receivedAt - normalizedAt);
          if (lead) toCallback.push(d.receivedAt - lead.receivedAt);
        }
        for (const list of [total, toNormalized, toLead, toCallback, answerMs.start, answerMs.end]) list.sort((a, b) => a - b);
        const lastArrival = Math.max(...arrivals.map((d) => d.receivedAt));
        const firstAck = Math.min(...ends.results.filter((t): t is number => t !== undefined));
        const stats = (list: number[]): string => `p50 ${ms(quantile(list, 0.5))}, p99 ${ms(quantile(list, 0.99))}, max ${ms(list[list.length - 1] ?? NaN)}`;

        rows.push([`calls (NOTIFY_START + NOTIFY_END "no answer"), ${concurrency} requests in flight`, `${calls}`]);
        rows.push(['webhook events accepted (200)', `${accepted} of ${calls * 2}`]);
        rows.push(['events/s accepted, starts', `${Math.round(starts.results.filter((t) => t !== undefined).length / starts.seconds)}`]);
        rows.push(['events/s accepted, ends', `${Math.round(ends.results.filter((t) => t !== undefined).length / ends.seconds)}`]);
        rows.push(['events/s accepted, whole storm', `${Math.round(accepted / stormSeconds)}`]);
        rows.push(['webhook answer time, NOTIFY_START', stats(answerMs.start)]);
        rows.push(['webhook answer time, NOTIFY_END', stats(answerMs.end)]);
        rows.push(['callback.create tasks at the CRM stub', `${callbacks().length - warmupCalls} of ${calls}${complete ? '' : ' (timed out)'}`]);
        rows.push(['duplicate deliveries (Idempotency-Key replays)', `${crm.replays.length}`]);
        rows.push(['final event ack → callback.create at CRM', stats(total)]);
        rows.push(['  of which ack → lead normalized', stats(toNormalized)]);
        rows.push(['  of which normalized → lead.create at CRM', stats(toLead)]);
        rows.push(['  of which lead.create → callback.create at CRM', stats(toCallback)]);
        rows.push(['first final ack → last callback at CRM (drain)', ms(lastArrival - firstAck)]);
      } finally {
        await stop(workers.child);
        await stop(gateway.child);
      }
    });
  } finally {
    await crm.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const width = Math.max(...rows.map(([k]) => k.length));
  process.stdout.write(`\nTelephony storm: Zadarma webhooks → Kafka + PostgreSQL → CRM stub (gateway and normalizer+router as two processes; live stream ${streamEnabled ? 'on' : 'off'})\n`);
  process.stdout.write(`${'measurement'.padEnd(width)}  result\n${'-'.repeat(width)}  ------\n`);
  for (const [k, v] of rows) process.stdout.write(`${k.padEnd(width)}  ${v}\n`);
}

main()
  .then(() => process.exit(0))
  .catch((err: unknown) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
