import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startCrmStub, type CrmStub } from '../../scripts/crm-stub.js';
import { waitUntil } from '../support/bus-contract.js';
import { freePort, spawnLeadgate } from '../support/leadgate-process.js';
import { kafkaBrokers } from '../support/pipeline-harness.js';
import { createTestDatabase } from '../support/postgres.js';

type Outcome = 'acked' | 'unavailable' | 'refused' | 'reset' | 'other';

/** What one request met: an answer, a refused connection (listener closed: fine), or a reset (a defect). */
async function send(port: number, phone: string): Promise<Outcome> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/v1/hooks/site`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ Name: 'Drain', Phone: phone, tranid: `t-${randomUUID()}` }).toString(),
    });
    await res.arrayBuffer();
    if (res.status >= 200 && res.status < 300) return 'acked';
    return res.status === 503 ? 'unavailable' : 'other';
  } catch (err) {
    const code = (err as { cause?: { code?: string } }).cause?.code;
    return code === 'ECONNREFUSED' ? 'refused' : 'reset';
  }
}

describe('graceful shutdown of a real process (embedded default)', () => {
  let crm: CrmStub;
  let dir: string;

  beforeEach(async () => {
    crm = await startCrmStub();
    dir = mkdtempSync(join(tmpdir(), 'leadgate-drain-'));
  });

  afterEach(async () => {
    await crm.close();
    rmSync(dir, { recursive: true, force: true });
  });

  let resetsSeen: number | undefined;

  test('SIGTERM during a stream of requests: /ready turns 503 first, the process exits 0, every 2xx is delivered', async () => {
    const config = join(dir, 'leadgate.yaml');
    writeFileSync(config, ['server: { shutdownGraceMs: 20000 }', 'router:', '  owners: [{ id: anna }]', `  destination: { kind: webhook, url: "${crm.url}" }`, 'connectors:', '  - { id: site, kind: forms }'].join('\n'));
    const env = { LEADGATE_DATA_DIR: join(dir, 'data') };
    const port = await freePort();
    const first = await spawnLeadgate(['--config', config], env, port);

    const outcomes = new Map<string, Outcome>();
    let n = 0;
    let stop = false;
    let readyAfterTerm: number | undefined;
    const workers = Array.from({ length: 8 }, async () => {
      while (!stop) {
        const phone = `+7915${String(1_000_000 + n++).slice(-7)}`;
        const outcome = await send(port, phone);
        outcomes.set(phone, outcome);
        if (outcome === 'refused') return;
      }
    });
    await waitUntil(() => [...outcomes.values()].filter((o) => o === 'acked').length >= 50, '50 acknowledged requests', 120_000);
    first.child.kill('SIGTERM');
    // Readiness turns first, while the listener still answers.
    const probe = async (): Promise<void> => {
      try {
        readyAfterTerm = (await fetch(`http://127.0.0.1:${port}/ready`)).status;
      } catch {
        // already closed
      }
    };
    // The signal is handled asynchronously: probe until the answer turns (or the listener is gone).
    for (let i = 0; i < 50 && readyAfterTerm !== 503 && first.child.exitCode === null; i++) {
      await probe();
      if (readyAfterTerm !== 503) await new Promise((r) => setTimeout(r, 20));
    }
    // Waits for the process to leave on its own (a second SIGTERM would kill it outright).
    if (first.child.exitCode === null && first.child.signalCode === null) await new Promise((r) => first.child.once('exit', r));
    stop = true;
    await Promise.all(workers);

    const counts: Record<Outcome, number> = { acked: 0, unavailable: 0, refused: 0, reset: 0, other: 0 };
    for (const o of outcomes.values()) counts[o]++;
    process.stdout.write(`graceful shutdown: ${JSON.stringify(counts)}, /ready after SIGTERM: ${String(readyAfterTerm)}, exit ${String(first.child.exitCode)}\n`);
    resetsSeen = counts.reset;
    expect(counts.other).toBe(0);
    expect(first.child.exitCode).toBe(0);
    expect(readyAfterTerm).toBe(503);

    // Whatever was acknowledged is delivered, by the next start if not before.
    const second = await spawnLeadgate(['--config', config], env, port);
    try {
      const acked = [...outcomes].filter(([, o]) => o === 'acked').map(([p]) => p);
      const delivered = (): Set<string> => new Set(crm.accepted.map((d) => (d.body.lead as { contact: { phones: string[] } }).contact.phones[0]));
      await waitUntil(() => acked.every((p) => delivered().has(p)), `${acked.length} acknowledged leads at the CRM`, 120_000);
    } finally {
      await second.kill('SIGTERM');
    }
  }, 400_000);

  test('… and no request of that stream met a connection reset', () => {
    expect(resetsSeen).toBe(0);
  });
});

/**
 * A webhook CRM that, while `hold` is on, takes each delivery and never answers it: the router's handler
 * hangs on it (its timeout is far beyond the shutdown deadline). Off, it answers 201 like a CRM that created the lead.
 */
async function startHangingCrm(): Promise<{ url: string; hold: boolean; held: ServerResponse[]; received: string[]; accepted: string[]; close(): Promise<void> }> {
  const crm = {
    url: '',
    hold: true,
    held: [] as ServerResponse[],
    received: [] as string[],
    accepted: [] as string[],
    close: (): Promise<void> => new Promise<void>((resolve) => {
      for (const res of crm.held) res.destroy();
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const phone = (JSON.parse(body) as { lead: { contact: { phones: string[] } } }).lead.contact.phones[0];
      crm.received.push(phone);
      if (crm.hold) {
        crm.held.push(res);
        return;
      }
      crm.accepted.push(phone);
      res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ id: `crm-${randomUUID().slice(0, 8)}` }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  crm.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/leads`;
  return crm;
}

async function kafkaBackend(): Promise<{ env: Record<string, string>; drop(): Promise<void> }> {
  const db = await createTestDatabase();
  return { env: { LEADGATE_KAFKA_BROKERS: kafkaBrokers(), LEADGATE_DATABASE_URL: db.url, LEADGATE_BUS_NAMESPACE: `drain${randomUUID().slice(0, 6)}` }, drop: () => db.drop() };
}

describe.each([
  ['embedded', async () => ({ env: {}, drop: async () => undefined })],
  ['Kafka + PostgreSQL', kafkaBackend],
] as const)('SIGTERM with a consumer handler that hangs (%s)', (_label, backend) => {
  test('the handler is cut at server.shutdownGraceMs, the process exits 0, and the record is redelivered after a restart', async () => {
    const crm = await startHangingCrm();
    const dir = mkdtempSync(join(tmpdir(), 'leadgate-hung-'));
    const { env, drop } = await backend();
    try {
      const config = join(dir, 'leadgate.yaml');
      writeFileSync(config, ['server: { shutdownGraceMs: 3000 }', 'router:', '  owners: [{ id: anna }]', `  destination: { kind: webhook, url: "${crm.url}", timeoutMs: 600000 }`, 'connectors:', '  - { id: site, kind: forms }'].join('\n'));
      const allEnv = { LEADGATE_DATA_DIR: join(dir, 'data'), ...env };
      const port = await freePort();
      const first = await spawnLeadgate(['--config', config], allEnv, port);
      const phone = '+79150001234';
      expect(await send(port, phone)).toBe('acked');
      // The router's handler now waits on a CRM answer that will not come before the deadline.
      await waitUntil(() => crm.received.includes(phone), 'the delivery reached the CRM', 120_000);

      const exited = new Promise<void>((resolve) => first.child.once('exit', () => resolve()));
      first.child.kill('SIGTERM');
      // Bounded only by the test timeout: without the deadline the stop waits for the held answer forever.
      await exited;
      expect(first.child.exitCode).toBe(0);
      expect(crm.held.length).toBe(1);
      expect(crm.held[0].writableEnded).toBe(false);
      expect(crm.accepted).toEqual([]);
      expect(first.output()).toMatch(/abandoned_at_deadline/);

      // The record was not committed: the next start delivers it.
      crm.hold = false;
      const second = await spawnLeadgate(['--config', config], allEnv, port);
      try {
        await waitUntil(() => crm.accepted.includes(phone), 'the lead redelivered and accepted after the restart', 120_000);
      } finally {
        await second.kill('SIGTERM');
      }
    } finally {
      await crm.close();
      await drop();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 400_000);
});
