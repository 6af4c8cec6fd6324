import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { startCrmStub, type CrmStub } from '../../scripts/crm-stub.js';
import { createTestDatabase } from '../support/postgres.js';
import { kafkaBrokers } from '../support/pipeline-harness.js';
import { freePort, spawnLeadgate, type LeadgateProcess } from '../support/leadgate-process.js';

interface CrashFigures {
  sent: number;
  acknowledged: number;
  /** Distinct requests with a record in the CRM. */
  delivered: number;
  lost: number;
  /** Requests (or delivery keys) with more than one record in the CRM, which does not deduplicate. */
  createdTwice: number;
  /** Records the CRM created in all. */
  records: number;
  /** Records the CRM had created whose answer Leadgate never read (killed while the answers were held). */
  inDoubtAtKill: number;
  /** Lookups Leadgate made in the CRM before re-sending a delivery in doubt. */
  lookups: number;
}

/**
 * Posts unique leads from 8 concurrent "providers" that retry failed requests with the same event id,
 * kills Leadgate with SIGKILL mid-load, restarts it, and counts the records the CRM created. The CRM does
 * not honour Idempotency-Key; just before the kill it starts holding its answers, and the kill waits until
 * it created at least one record whose answer Leadgate never read (intent in the ledger, no outcome).
 */
async function crashUnderLoad(crm: CrmStub, start: () => Promise<LeadgateProcess>, port: number, total = 600): Promise<CrashFigures> {
  let proc = await start();
  const acked = new Set<string>();
  let next = 0;
  let killed = false;
  let inDoubtAtKill = 0;
  const sender = async (): Promise<void> => {
    while (next < total) {
      const id = `crash-${next++}-${randomUUID().slice(0, 6)}`;
      // A provider retries the same event until it gets a 2xx.
      for (let attempt = 0; ; attempt++) {
        try {
          const res = await fetch(`http://127.0.0.1:${port}/v1/hooks/site`, {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            body: new URLSearchParams({ Name: 'Crash Test', Email: `${id}@example.com`, comment: id, tranid: id }).toString(),
          });
          if (res.status >= 200 && res.status < 300) {
            acked.add(id);
            break;
          }
        } catch {
          // connection refused while the process is down
        }
        await new Promise((r) => setTimeout(r, Math.min(1000, 50 * 2 ** attempt)));
      }
    }
  };
  const killer = (async () => {
    while (acked.size < total / 3) await new Promise((r) => setTimeout(r, 20));
    // Hold the CRM's answers: the records are created, their answers wait, so the kill lands between
    // "CRM created it" and "Leadgate read the answer" for at least one delivery.
    crm.behave(() => ({ status: 201, body: { id: `crm-${randomUUID().slice(0, 8)}` }, delayMs: 5_000 }));
    const before = crm.accepted.length;
    const deadline = Date.now() + 60_000;
    while (crm.accepted.length === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    await proc.kill('SIGKILL');
    inDoubtAtKill = crm.accepted.length - before;
    crm.behave(answer);
    killed = true;
    proc = await start();
  })();
  await Promise.all([...Array.from({ length: 8 }, sender), killer]);
  expect(killed).toBe(true);
  try {
    await crm.waitForAccepted(acked.size, 90_000);
  } catch {
    // fall through to the figures: the assertion below reports what is missing
  }
  await new Promise((r) => setTimeout(r, 1500));
  await proc.kill('SIGTERM');
  const perEvent = new Map<string, number>();
  for (const d of crm.accepted) {
    const message = (d.body.lead as { message?: string }).message ?? '';
    perEvent.set(message, (perEvent.get(message) ?? 0) + 1);
  }
  const lost = [...acked].filter((id) => !perEvent.has(id)).length;
  // One request is one lead is one delivery key: a second record for either is a duplicate.
  const createdTwice = Math.max([...perEvent.values()].filter((n) => n > 1).length, crm.createdTwice().length);
  return { sent: total, acknowledged: acked.size, delivered: perEvent.size, lost, createdTwice, records: crm.accepted.length, inDoubtAtKill, lookups: crm.lookups.length };
}

const answer = (): { status: number; body: unknown } => ({ status: 201, body: { id: `crm-${randomUUID().slice(0, 8)}` } });

function writeConfig(dir: string, crmUrl: string): string {
  const path = join(dir, 'leadgate.yaml');
  writeFileSync(
    path,
    [
      'router:',
      '  owners: [{ id: anna }, { id: boris }]',
      `  destination: { kind: webhook, url: "${crmUrl}", lookupUrl: "${crmUrl}" }`,
      '  retry: { attempts: 3, initialMs: 20, maxMs: 500 }',
      'connectors:',
      '  - { id: site, kind: forms }',
    ].join('\n'),
  );
  return path;
}

describe('kill -9 under load, CRM without Idempotency-Key support', () => {
  let crm: CrmStub;
  let dir: string;

  beforeEach(async () => {
    crm = await startCrmStub(0, '127.0.0.1', { honourIdempotencyKey: false });
    crm.behave(answer);
    dir = mkdtempSync(join(tmpdir(), 'leadgate-crash-'));
  });

  afterEach(async () => {
    await crm.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('embedded default: every acknowledged request reaches the CRM once', async () => {
    const port = await freePort();
    const config = writeConfig(dir, crm.url);
    const env = { LEADGATE_DATA_DIR: join(dir, 'data') };
    const figures = await crashUnderLoad(crm, () => spawnLeadgate(['--config', config], env, port), port);
    process.stdout.write(`crash test (embedded): ${JSON.stringify(figures)}\n`);
    expect(figures.acknowledged).toBe(figures.sent);
    expect(figures.lost).toBe(0);
    expect(figures.delivered).toBe(figures.acknowledged);
    expect(figures.inDoubtAtKill).toBeGreaterThan(0);
    expect(figures.createdTwice).toBe(0);
  }, 240_000);

  test('Kafka + PostgreSQL: every acknowledged request reaches the CRM once', async () => {
    const db = await createTestDatabase();
    try {
      const port = await freePort();
      const config = writeConfig(dir, crm.url);
      const env = { LEADGATE_KAFKA_BROKERS: kafkaBrokers(), LEADGATE_DATABASE_URL: db.url, LEADGATE_BUS_NAMESPACE: `crash${randomUUID().slice(0, 6)}` };
      const figures = await crashUnderLoad(crm, () => spawnLeadgate(['--config', config], env, port), port);
      process.stdout.write(`crash test (kafka): ${JSON.stringify(figures)}\n`);
      expect(figures.acknowledged).toBe(figures.sent);
      expect(figures.lost).toBe(0);
      expect(figures.delivered).toBe(figures.acknowledged);
      expect(figures.inDoubtAtKill).toBeGreaterThan(0);
    expect(figures.createdTwice).toBe(0);
    } finally {
      await db.drop();
    }
  }, 240_000);
});
