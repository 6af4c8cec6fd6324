import { randomUUID } from 'node:crypto';
import pino from 'pino';
import type { ConnectorPlugin } from '../connectors/connector.port.js';
import type { LeadDraft, MapResult } from '../contracts/lead-draft.js';
import type { RawEventV1 } from '../contracts/raw-event.js';
import { Topics } from '../contracts/topics.js';
import { normalizeBatch } from '../normalizer/normalizer.batch.js';
import { Normalizer } from '../normalizer/normalizer.service.js';
import type { Bus } from '../platform/bus/bus.port.js';
import { openStore } from '../platform/store/open-store.js';
import { Metrics } from '../platform/telemetry/metrics.js';
import { createTestDatabase } from '../tests/support/postgres.js';

/**
 * Dedupe quality on a generated corpus with known ground truth, through the real normalizer on
 * PostgreSQL (LEADGATE_TEST_DATABASE_URL's server). Prints pairwise precision (no false merges) and recall
 * (duplicates merged). `node --import tsx bench/dedupe-corpus.ts`; CORPUS_REQUESTS (default 20000),
 * CORPUS_CONCURRENCY (8 requests in flight, so races between transactions happen too), CORPUS_BATCH
 * (0: per record, the default; N: the batch path, N raw events per transaction, CORPUS_CONCURRENCY batches
 * in flight). Both modes should print the same quality figures.
 */
const target = Number(process.env.CORPUS_REQUESTS ?? 20000);
const concurrency = Number(process.env.CORPUS_CONCURRENCY ?? 8);
const batchSize = Number(process.env.CORPUS_BATCH ?? 0);
const logger = pino({ level: 'silent' });

interface Req {
  person: number;
  kind: string;
  channel: RawEventV1['channel'];
  draft: LeadDraft;
}

const phoneOf = (p: number): string => `912${String(10_000_000 + p).slice(1)}`;
const spell = (digits: string, k: number): string =>
  [`+7${digits}`, `8 (${digits.slice(0, 3)}) ${digits.slice(3, 6)}-${digits.slice(6, 8)}-${digits.slice(8)}`, `7${digits}`, `${digits.slice(0, 3)} ${digits.slice(3)}`, `+7 ${digits.slice(0, 3)} ${digits.slice(3)} доб. 1${k}`][k % 5];
const names = ['Иван Петров', 'Anna Smith', 'Мария Иванова', 'John Doe'];

/** People of five kinds; every duplicate pair shares an identity (directly or through a chain). */
function corpus(): Req[] {
  const out: Req[] = [];
  let p = 0;
  while (out.length < target) {
    const person = p++;
    const digits = phoneOf(person);
    const email = `user${person}@example.com`;
    const name = names[person % names.length]; // shared by many different people: never an identity
    switch (person % 5) {
      case 0: // shares nothing with anyone
        out.push({ person, kind: 'single', channel: 'form', draft: { kind: 'lead', contact: { name, phones: [spell(digits, 0)] } } });
        break;
      case 1: // repeats with the phone spelled differently
        for (let k = 0; k < 3; k++) out.push({ person, kind: 'repeat', channel: k === 1 ? 'call' : 'form', draft: { kind: 'lead', contact: { name, phones: [spell(digits, k + person)] } } });
        break;
      case 2: // cross-channel: a call, a form linking phone and e-mail, an e-mail
        out.push({ person, kind: 'cross', channel: 'call', draft: { kind: 'lead', contact: { phones: [spell(digits, 1)] } } });
        out.push({ person, kind: 'cross', channel: 'form', draft: { kind: 'lead', contact: { name, phones: [spell(digits, 2)], emails: [email.toUpperCase()] } } });
        out.push({ person, kind: 'cross', channel: 'email', draft: { kind: 'lead', contact: { emails: [`${name} <${email}>`] } } });
        break;
      case 3: // messenger ids: telegram, then a form with the same phone; whatsapp wa_id + BSUID pair
        out.push({ person, kind: 'messenger', channel: 'telegram', draft: { kind: 'lead', contact: { ids: [{ kind: 'telegram', value: String(5_000_000 + person) }], phones: [spell(digits, 3)] } } });
        out.push({ person, kind: 'messenger', channel: 'whatsapp', draft: { kind: 'lead', contact: { ids: [{ kind: 'whatsapp', value: `7${digits}` }, { kind: 'whatsapp_bsuid', value: `RU.${person}` }] } } });
        out.push({ person, kind: 'messenger', channel: 'whatsapp', draft: { kind: 'lead', contact: { ids: [{ kind: 'whatsapp_bsuid', value: `RU.${person}` }], phones: [spell(digits, 0)] } } });
        break;
      default: // same name as others, own e-mail, plus an invalid phone that must not link anyone
        out.push({ person, kind: 'namesake', channel: 'form', draft: { kind: 'lead', contact: { name, emails: [email], phones: ['8 (000) 000-00-00'] } } });
        out.push({ person, kind: 'namesake', channel: 'form', draft: { kind: 'lead', contact: { name, emails: [` ${email} `] } } });
    }
  }
  return out.slice(0, target);
}

interface Score {
  requests: number;
  'true pairs': number;
  'predicted pairs': number;
  'false merges': number;
  'precision %': string;
  'recall %': string;
}

/**
 * Pairwise scores over the requests of one kind (or all): a true pair is two requests of one person, a
 * predicted pair two requests that ended on one contact. For a kind, a predicted pair counts when either
 * request is of that kind, so a false merge between kinds shows in both rows.
 */
function score(scored: { contactId: string; req: Req }[], kind: string): Score {
  const of = (r: Req): boolean => kind === 'all' || r.kind === kind;
  const byContact = new Map<string, Req[]>();
  for (const s of scored) byContact.set(s.contactId, [...(byContact.get(s.contactId) ?? []), s.req]);
  let predicted = 0;
  let correct = 0;
  for (const group of byContact.values()) {
    for (let i = 0; i < group.length; i++) {
      for (let j = i + 1; j < group.length; j++) {
        if (!of(group[i]) && !of(group[j])) continue;
        predicted++;
        if (group[i].person === group[j].person) correct++;
      }
    }
  }
  const byPerson = new Map<number, number>();
  for (const s of scored) if (of(s.req)) byPerson.set(s.req.person, (byPerson.get(s.req.person) ?? 0) + 1);
  const truePairs = [...byPerson.values()].reduce((sum, n) => sum + pairs(n), 0);
  const pct = (a: number, b: number): string => (b === 0 ? '100.000' : ((100 * a) / b).toFixed(3));
  return {
    requests: scored.filter((s) => of(s.req)).length,
    'true pairs': truePairs,
    'predicted pairs': predicted,
    'false merges': predicted - correct,
    'precision %': pct(correct, predicted),
    'recall %': pct(correct, truePairs),
  };
}

const nullBus: Bus = { kind: 'embedded', publish: async () => {}, subscribe: async () => ({ stop: async () => {} }), subscribeBatch: async () => ({ stop: async () => {} }), ready: async () => true, close: async () => {} };
const plugin: ConnectorPlugin = { kind: 'draft', channel: 'form', configSchema: {}, mapper: (e) => e.payload.draft as MapResult };
const pairs = (n: number): number => (n * (n - 1)) / 2;

const db = await createTestDatabase();
const store = await openStore({ kind: 'postgres', url: db.url }, logger);
try {
  const normalizer = new Normalizer({ bus: nullBus, store, plugins: new Map([['draft', plugin]]), metrics: new Metrics({ defaultMetrics: false }), logger, defaultRegion: 'RU', mergeWindowMinutes: 1440 });
  const requests = corpus().sort(() => Math.random() - 0.5);
  const keys = new Map<string, Req>();
  const t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < requests.length) {
        const chunk = requests.slice(next, next + Math.max(1, batchSize));
        next += chunk.length;
        const records = chunk.map((r) => {
          const key = `draft:${randomUUID()}`;
          keys.set(key, r);
          const raw: RawEventV1 = { v: 1, id: randomUUID(), connector: { id: 'corpus', kind: 'draft' }, channel: r.channel, receivedAt: new Date().toISOString(), payload: { draft: r.draft }, meta: {} };
          return { topic: Topics.raw, key, value: raw, headers: {}, offset: '0', partition: 0, timestamp: Date.now() };
        });
        if (batchSize > 0) await normalizeBatch(normalizer, records);
        else for (const record of records) await normalizer.handle(record);
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  const rows = await store.query<{ event_key: string; contact_id: string }>('select a.event_key, l.contact_id from lead_activities a join leads l on l.id = a.lead_id');
  const [{ merges }] = await store.query<{ merges: string }>('select count(*)::text as merges from contact_merges');
  const [{ contacts }] = await store.query<{ contacts: string }>('select count(*)::text as contacts from contacts where merged_into is null');
  const scored = rows.map((row) => ({ contactId: row.contact_id, req: keys.get(row.event_key) as Req }));
  const table = [...new Set(requests.map((r) => r.kind)), 'all'].map((kind) => ({ kind, ...score(scored, kind) }));
  process.stdout.write(`\nDedupe quality: ${rows.length} of ${requests.length} requests processed, ${contacts} contacts (${new Set(requests.map((r) => r.person)).size} people), ${merges} contact merges\n`);
  console.table(table);
  process.stdout.write(`throughput: ${(rows.length / seconds).toFixed(0)} requests/s (${concurrency} ${batchSize > 0 ? `batches of ${batchSize}` : 'requests'} in flight, one normalizer, PostgreSQL)\n`);
} finally {
  await store.close();
  await db.drop();
}
