import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { connectorPlugins } from '../connectors/registry.js';
import type { RawEventV1 } from '../contracts/raw-event.js';
import { Topics } from '../contracts/topics.js';
import { Normalizer } from '../normalizer/normalizer.service.js';
import type { Bus } from '../platform/bus/bus.port.js';
import { createKafkaBus } from '../platform/bus/kafka-bus.js';
import { namespacedBus } from '../platform/bus/namespaced-bus.js';
import { sleep } from '../platform/retry.js';
import { openStore } from '../platform/store/open-store.js';
import type { Store } from '../platform/store/store.port.js';
import { Metrics } from '../platform/telemetry/metrics.js';
import { createTestDatabase } from '../tests/support/postgres.js';

/**
 * Contacts resolved per second by 1 and 2 normalizer instances on Kafka + PostgreSQL: N form raw events
 * (per person: a phone, an e-mail alone, then both with the phone spelled differently, so a third of the
 * requests merge two contacts) are published straight to the raw topic, and the clock runs until all N
 * are recorded in `raw_events`. Every request resolves one contact, so events/s is contacts resolved/s.
 * `LEADGATE_KAFKA_BROKERS=127.0.0.1:19092 node --import tsx bench/identity.bench.ts`; IDENTITY_EVENTS (default 5000).
 */
const brokers = process.env.LEADGATE_KAFKA_BROKERS;
if (!brokers) throw new Error('set LEADGATE_KAFKA_BROKERS (e.g. 127.0.0.1:19092)');
const total = Number(process.env.IDENTITY_EVENTS ?? 5000);
const logger = pino({ level: 'silent' });

/** Three requests per person: a phone, then an e-mail only (a new contact), then both (a merge). */
function rawEvent(i: number): RawEventV1 {
  const person = Math.floor(i / 3);
  const n = String(10_000_000 + person).slice(1);
  const email = `p${person}@example.com`;
  const contact = [{ phone: `+7 912 ${n}` }, { email }, { phone: `8 (912) ${n.slice(0, 3)}-${n.slice(3)}`, email: email.toUpperCase() }][i % 3];
  const payload: Record<string, unknown> = { name: `Person ${person}`, ...contact, tranid: randomUUID() };
  return { v: 1, id: randomUUID(), connector: { id: 'site', kind: 'forms' }, channel: 'form', receivedAt: new Date().toISOString(), providerEventId: String(payload.tranid), payload, meta: {} };
}

async function run(instances: number): Promise<{ seconds: number; contacts: number; merges: number }> {
  const db = await createTestDatabase();
  const namespace = `idb${randomUUID().slice(0, 8)}`;
  const stores: Store[] = [];
  const buses: Bus[] = [];
  const normalizers: Normalizer[] = [];
  try {
    for (let k = 0; k < instances; k++) {
      const store = await openStore({ kind: 'postgres', url: db.url }, logger);
      const bus = namespacedBus(await createKafkaBus({ brokers: (brokers as string).split(','), partitions: 4, logger, clientId: `idb-${k}` }), namespace);
      const normalizer = new Normalizer({ bus, store, plugins: connectorPlugins, metrics: new Metrics({ defaultMetrics: false }), logger, defaultRegion: 'RU', mergeWindowMinutes: 1440 });
      await normalizer.start();
      stores.push(store);
      buses.push(bus);
      normalizers.push(normalizer);
    }
    // Let the group settle (all members joined) before the clock starts.
    await sleep(instances > 1 ? 8000 : 3000);
    const events = Array.from({ length: total }, (_, i) => rawEvent(i));
    const t0 = performance.now();
    for (let i = 0; i < events.length; i += 500) {
      await Promise.all(events.slice(i, i + 500).map((e) => buses[0].publish(Topics.raw, `site:${e.providerEventId}`, e)));
    }
    // The clock's own connection: the normalizers' pools are busy, and on a loaded machine a poll that
    // waits for one of their clients times out. A failed poll is just tried again.
    const observer = await openStore({ kind: 'postgres', url: db.url }, logger);
    stores.push(observer);
    for (;;) {
      const c = await observer.query<{ c: string }>('select count(*)::text as c from raw_events').then(([row]) => Number(row.c), () => 0);
      if (c >= total) break;
      await sleep(100);
    }
    const seconds = (performance.now() - t0) / 1000;
    const [{ contacts }] = await observer.query<{ contacts: string }>('select count(*)::text as contacts from contacts where merged_into is null');
    const [{ merges }] = await observer.query<{ merges: string }>('select count(*)::text as merges from contact_merges');
    return { seconds, contacts: Number(contacts), merges: Number(merges) };
  } finally {
    await Promise.all(normalizers.map((n) => n.stop()));
    await Promise.all(buses.map((b) => b.close()));
    await Promise.all(stores.map((s) => s.close()));
    await db.drop();
  }
}

const rows: Record<string, string | number>[] = [];
for (const instances of [1, 2]) {
  const { seconds, contacts, merges } = await run(instances);
  // A last, incomplete person (phone, maybe e-mail, no linking request) is one contact per request.
  const expected = Math.floor(total / 3) + (total % 3);
  rows.push({
    normalizers: instances,
    'raw events': total,
    seconds: Number(seconds.toFixed(1)),
    'contacts resolved/s': Math.round(total / seconds),
    contacts: `${contacts}${contacts === expected ? '' : ` (expected ${expected}!)`}`,
    merges,
  });
}
process.stdout.write(`\nIdentity resolution on Kafka + PostgreSQL (${total} form raw events, 3 per person: phone, e-mail, both)\n`);
console.table(rows);
