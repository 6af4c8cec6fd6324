import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { startCrmStub, type CrmStub } from '../../scripts/crm-stub.js';
import { Bitrix24PortalStub } from '../support/bitrix24-portal.stub.js';
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

/** A CRM stub as the crash run sees it: records created per request and per delivery key. */
interface CrashCrm {
  /** The `router.destination` config (YAML flow map) pointing at it. */
  destination: string;
  records(): number;
  /** Records per provider event id (the form's comment, which travels as the lead's message). */
  perEvent(): Map<string, number>;
  keysCreatedTwice(): number;
  lookups(): number;
  /** Hold answers to creates (the record exists, the answer waits), or answer at once again. */
  hold(on: boolean): void;
  close(): Promise<void>;
}

function webhookCrm(stub: CrmStub): CrashCrm {
  const created = (): { status: number; body: unknown } => ({ status: 201, body: { id: `crm-${randomUUID().slice(0, 8)}` } });
  stub.behave(created);
  return {
    destination: `{ kind: webhook, url: "${stub.url}", lookupUrl: "${stub.url}" }`,
    records: () => stub.accepted.length,
    perEvent: () => countBy(stub.accepted.map((d) => (d.body.lead as { message?: string }).message ?? '')),
    keysCreatedTwice: () => stub.createdTwice().length,
    lookups: () => stub.lookups.length,
    hold: (on) => stub.behave(on ? () => ({ ...created(), delayMs: 5_000 }) : created),
    close: () => stub.close(),
  };
}

function bitrix24Crm(portal: Bitrix24PortalStub): CrashCrm {
  return {
    // No rate limit worth waiting for in a test; no duplicate-contact search (one call less per lead).
    destination: `{ kind: bitrix24, bitrix24: { webhookUrl: "${portal.webhookUrl}", linkDuplicates: false }, rateLimit: { perSecond: 10000, burst: 10000 } }`,
    records: () => portal.leads.length,
    // `comments` is the request text, whose first line is the form's message.
    perEvent: () => countBy(portal.leads.map((l) => String(l.fields.comments ?? '').split('\n')[0] ?? '')),
    keysCreatedTwice: () => [...portal.createdPerOrigin().values()].filter((n) => n > 1).length,
    lookups: () => portal.originLookups.length,
    hold: (on) => (portal.holdAnswersMs = on ? 5_000 : 0),
    close: () => portal.close(),
  };
}

function countBy(values: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return counts;
}

/**
 * Posts unique leads from 8 concurrent "providers" that retry failed requests with the same event id,
 * kills Leadgate with SIGKILL mid-load, restarts it, and counts the records the CRM created. The CRM does
 * not honour Idempotency-Key; just before the kill it starts holding its answers, and the kill waits until
 * it created at least one record whose answer Leadgate never read (intent in the ledger, no outcome).
 */
async function crashUnderLoad(crm: CrashCrm, start: () => Promise<LeadgateProcess>, port: number, total = 600): Promise<CrashFigures> {
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
    crm.hold(true);
    const before = crm.records();
    const deadline = Date.now() + 60_000;
    while (crm.records() === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    await proc.kill('SIGKILL');
    inDoubtAtKill = crm.records() - before;
    crm.hold(false);
    killed = true;
    proc = await start();
  })();
  await Promise.all([...Array.from({ length: 8 }, sender), killer]);
  expect(killed).toBe(true);
  // Until every acknowledged request has its record (or a generous deadline: the figures then say what is missing).
  const deadline = Date.now() + 90_000;
  while ([...acked].some((id) => !crm.perEvent().has(id)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  // A little longer, so a late duplicate would be counted too.
  await new Promise((r) => setTimeout(r, 1500));
  await proc.kill('SIGTERM');
  const perEvent = crm.perEvent();
  const lost = [...acked].filter((id) => !perEvent.has(id)).length;
  // One request is one lead is one delivery key: a second record for either is a duplicate.
  const createdTwice = Math.max([...perEvent.values()].filter((n) => n > 1).length, crm.keysCreatedTwice());
  return { sent: total, acknowledged: acked.size, delivered: perEvent.size, lost, createdTwice, records: crm.records(), inDoubtAtKill, lookups: crm.lookups() };
}


function writeConfig(dir: string, destination: string): string {
  const path = join(dir, 'leadgate.yaml');
  writeFileSync(
    path,
    [
      'router:',
      '  owners: [{ id: anna }, { id: boris }]',
      `  destination: ${destination}`,
      '  retry: { attempts: 3, initialMs: 20, maxMs: 500 }',
      'connectors:',
      '  - { id: site, kind: forms }',
    ].join('\n'),
  );
  return path;
}

function expectExactlyOnce(figures: CrashFigures): void {
  expect(figures.acknowledged).toBe(figures.sent);
  expect(figures.lost).toBe(0);
  expect(figures.delivered).toBe(figures.acknowledged);
  // The run did kill Leadgate while the CRM held a record whose answer Leadgate never read.
  expect(figures.inDoubtAtKill).toBeGreaterThan(0);
  expect(figures.createdTwice).toBe(0);
}

async function runEmbedded(crm: CrashCrm, dir: string, label: string): Promise<CrashFigures> {
  const port = await freePort();
  const config = writeConfig(dir, crm.destination);
  const figures = await crashUnderLoad(crm, () => spawnLeadgate(['--config', config], { LEADGATE_DATA_DIR: join(dir, 'data') }, port), port);
  process.stdout.write(`crash test (${label}): ${JSON.stringify(figures)}\n`);
  return figures;
}

async function runKafka(crm: CrashCrm, dir: string, label: string): Promise<CrashFigures> {
  const db = await createTestDatabase();
  try {
    const port = await freePort();
    const config = writeConfig(dir, crm.destination);
    const env = { LEADGATE_KAFKA_BROKERS: kafkaBrokers(), LEADGATE_DATABASE_URL: db.url, LEADGATE_BUS_NAMESPACE: `crash${randomUUID().slice(0, 6)}` };
    const figures = await crashUnderLoad(crm, () => spawnLeadgate(['--config', config], env, port), port);
    process.stdout.write(`crash test (${label}): ${JSON.stringify(figures)}\n`);
    return figures;
  } finally {
    await db.drop();
  }
}

describe('kill -9 under load, CRM without Idempotency-Key support', () => {
  let crm: CrashCrm | undefined;
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'leadgate-crash-'));
  });

  afterEach(async () => {
    await crm?.close();
    crm = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  test('embedded default, webhook with lookupUrl: every acknowledged request creates one record', async () => {
    crm = webhookCrm(await startCrmStub(0, '127.0.0.1', { honourIdempotencyKey: false }));
    expectExactlyOnce(await runEmbedded(crm, dir, 'embedded, webhook'));
  }, 600_000);

  test('Kafka + PostgreSQL, webhook with lookupUrl: every acknowledged request creates one record', async () => {
    crm = webhookCrm(await startCrmStub(0, '127.0.0.1', { honourIdempotencyKey: false }));
    expectExactlyOnce(await runKafka(crm, dir, 'kafka, webhook'));
  }, 600_000);

  test('embedded default, Bitrix24 portal (ORIGIN_ID lookup): every acknowledged request creates one lead', async () => {
    crm = bitrix24Crm(await new Bitrix24PortalStub().start());
    expectExactlyOnce(await runEmbedded(crm, dir, 'embedded, bitrix24'));
  }, 600_000);
});
