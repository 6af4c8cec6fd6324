/**
 * Delivery throughput and backlog drain, against the local CRM stub (scripts/crm-stub.ts).
 *   node --import tsx bench/delivery.bench.ts
 * With LEADGATE_KAFKA_BROKERS set the backlog runs on Kafka + PostgreSQL, else on the embedded log (PGlite).
 * BENCH_BACKLOG (default 10000), BENCH_SENDS (default 3000).
 */
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import type { Delivery } from '../contracts/delivery.js';
import type { LeadV1 } from '../contracts/lead.js';
import { Topics } from '../contracts/topics.js';
import { Metrics } from '../platform/telemetry/metrics.js';
import { MemoryDestinationRefs } from '../router/destinations/destination-refs.js';
import { createBareDestination } from '../router/destinations/destination.factory.js';
import type { WebhookDestinationConfig } from '../router/destinations/destination.config.js';
import type { ParkingState, ParkState } from '../router/resilience/destination-parking.js';
import { ResilientDestination } from '../router/resilience/resilient.destination.js';
import { startCrmStub } from '../scripts/crm-stub.js';
import { createTestEnvironment } from '../tests/support/pipeline-harness.js';

const backlog = Number(process.env.BENCH_BACKLOG ?? 10_000);
const sends = Number(process.env.BENCH_SENDS ?? 3_000);
const logger = pino({ level: 'silent' });
const notParked: ParkingState = {
  get: async (destination): Promise<ParkState> => ({ destination, parked: false }),
  park: async (destination): Promise<ParkState> => ({ destination, parked: true }),
};

function lead(i: number): LeadV1 {
  const id = randomUUID();
  return {
    v: 1, type: 'lead.created', leadId: id, activityId: id,
    contact: { id: `c-${id}`, isNew: true, name: `Bench ${i}`, phones: [`+7913${String(1_000_000 + (i % 9_000_000)).slice(-7)}`], emails: [], ids: [] },
    channel: 'form', connectorId: 'bench', message: 'call me', source: {}, fields: {}, tags: [], spam: false,
    occurredAt: new Date().toISOString(), normalizedAt: new Date().toISOString(), lineage: { rawEventIds: [id] },
  };
}

/** Sends `n` deliveries through the resilient webhook destination with `concurrency` in flight. */
async function throughput(url: string, n: number, concurrency: number, rateLimit?: { perSecond: number; burst: number }): Promise<number> {
  const config: WebhookDestinationConfig = { id: 'crm', kind: 'webhook', url, timeoutMs: 10_000, ownerMap: {}, circuitBreaker: { consecutiveFailures: 5, halfOpenAfterMs: 1_000 } };
  const dest = new ResilientDestination(createBareDestination(config, new MemoryDestinationRefs()), {
    ...(rateLimit ? { rateLimit } : {}),
    circuitBreaker: config.circuitBreaker,
    parking: notParked,
    metrics: new Metrics({ defaultMetrics: false }),
    logger,
  });
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        const l = lead(next++);
        const delivery: Delivery = { kind: 'lead.create', idempotencyKey: `lead:${l.leadId}`, ownerId: 'o', lead: l };
        await dest.send(delivery);
      }
    }),
  );
  return n / ((performance.now() - started) / 1000);
}

async function drain(): Promise<{ backend: string; publishS: number; drainS: number }> {
  const crm = await startCrmStub();
  const backend = process.env.LEADGATE_KAFKA_BROKERS ? 'kafka' : 'embedded';
  const env = await createTestEnvironment(backend, {
    router: { owners: [{ id: 'anna' }, { id: 'boris' }], destination: { kind: 'webhook', url: crm.url }, retry: { attempts: 3, initialMs: 50, maxMs: 1_000 } },
  });
  try {
    // The outage: the router is away (or the CRM was, with the breaker holding deliveries) while leads pile up.
    const writer = await env.start([]);
    const t0 = performance.now();
    for (let i = 0; i < backlog; i += 500) {
      await Promise.all(Array.from({ length: Math.min(500, backlog - i) }, (_, j) => {
        const l = lead(i + j);
        return writer.bus.publish(Topics.normalized, l.contact.id, l);
      }));
    }
    const publishS = (performance.now() - t0) / 1000;
    const t1 = performance.now();
    await env.start(['router']);
    await crm.waitForAccepted(backlog, 30 * 60_000);
    const drainS = (performance.now() - t1) / 1000;
    return { backend, publishS, drainS };
  } finally {
    await env.cleanup();
    await crm.close();
  }
}

const stub = await startCrmStub();
const rows: [string, string][] = [];
rows.push([`webhook, no rate limit, 32 in flight (${sends} sends)`, `${Math.round(await throughput(stub.url, sends, 32))} deliveries/s`]);
rows.push([`webhook, no rate limit, 1 in flight (${Math.round(sends / 3)} sends)`, `${Math.round(await throughput(stub.url, Math.round(sends / 3), 1))} deliveries/s`]);
rows.push(['webhook, rateLimit 100/s burst 10, 32 in flight (1000 sends)', `${Math.round(await throughput(stub.url, 1_000, 32, { perSecond: 100, burst: 10 }))} deliveries/s`]);
rows.push(['webhook, rateLimit 2/s burst 40 (Bitrix24 default), 32 in flight (60 sends)', `${(await throughput(stub.url, 60, 32, { perSecond: 2, burst: 40 })).toFixed(2)} deliveries/s`]);
await stub.close();
const d = await drain();
rows.push([`backlog of ${backlog} leads published (${d.backend})`, `${d.publishS.toFixed(1)} s`]);
rows.push([`backlog of ${backlog} leads drained by one router to the CRM (${d.backend})`, `${d.drainS.toFixed(1)} s (${Math.round(backlog / d.drainS)} deliveries/s)`]);

const width = Math.max(...rows.map(([k]) => k.length));
process.stdout.write(`\n${'measurement'.padEnd(width)}  result\n${'-'.repeat(width)}  ------\n`);
for (const [k, v] of rows) process.stdout.write(`${k.padEnd(width)}  ${v}\n`);
process.exit(0);
