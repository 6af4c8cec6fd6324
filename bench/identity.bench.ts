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
 * (about a third repeat a person with another phone spelling, a third link an e-mail) are published
 * straight to the raw topic, and the clock runs until all N are recorded in `raw_events`.
 * `LEADGATE_KAFKA_BROKERS=127.0.0.1:19092 node --import tsx bench/identity.bench.ts`; IDENTITY_EVENTS (default 5000).
 */
const brokers = process.env.LEADGATE_KAFKA_BROKERS;
if (!brokers) throw new Error('set LEADGATE_KAFKA_BROKERS (e.g. 127.0.0.1:19092)');
const total = Number(process.env.IDENTITY_EVENTS ?? 5000);
const logger = pino({ level: 'silent' });

function rawEvent(i: number): RawEventV1 {
  const person = Math.floor(i / 3);
  const n = String(10_000_000 + person).slice(1);
  const phone = [`+7 912 ${n}`, `8 (912) ${n.slice(0, 3)}-${n.slice(3)}`, `912${n}`][i % 3];
  const payload: Record<string, unknown> = { name: `Person ${person}`, phone, tranid: randomUUID(), ...(i % 3 === 2 ? { email: `p${person}@example.com` } : {}) };
  return { v: 1, id: randomUUID(), connector: { id: 'site', kind: 'forms' }, channel: 'form', receivedAt: new Date().toISOString(), providerEventId: String(payload.tranid), payload, meta: {} };
}

async function run(instances: number): Promise<{ seconds: number; contacts: number }> {
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
    for (;;) {
      const [{ c }] = await stores[0].query<{ c: string }>('select count(*)::text as c from raw_events');
      if (Number(c) >= total) break;
      await sleep(100);
    }
    const seconds = (performance.now() - t0) / 1000;
    const [{ contacts }] = await stores[0].query<{ contacts: string }>('select count(*)::text as contacts from contacts where merged_into is null');
    return { seconds, contacts: Number(contacts) };
  } finally {
    await Promise.all(normalizers.map((n) => n.stop()));
    await Promise.all(buses.map((b) => b.close()));
    await Promise.all(stores.map((s) => s.close()));
    await db.drop();
  }
}

for (const instances of [1, 2]) {
  const { seconds, contacts } = await run(instances);
  console.log(`${instances} normalizer instance(s): ${total} raw events in ${seconds.toFixed(1)} s = ${(total / seconds).toFixed(0)} events/s resolved (${contacts} contacts, expected ${Math.ceil(total / 3)})`);
}
