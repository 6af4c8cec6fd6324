import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { progressBar } from '../bin/import/import.progress.js';
import { readCsv } from '../bin/import/import.reader.js';
import { runImport } from '../bin/import/import.runner.js';
import { connectorPlugins } from '../connectors/registry.js';
import { Normalizer } from '../normalizer/normalizer.service.js';
import { Metrics } from '../platform/telemetry/metrics.js';
import { startCrmStub } from '../scripts/crm-stub.js';
import { createTestEnvironment, type Backend } from '../tests/support/pipeline-harness.js';

/**
 * `leadgate import` throughput: a generated CSV (IMPORT_ROWS, default 20,000 rows from ~7,000 people over
 * six weeks; messy phone and e-mail spellings, five channels, UTM and custom columns, ~1 % bad rows) is
 * imported through the normalizer while a router delivers to a local CRM stub. Prints rows/s of the import
 * and the time from its start to the CRM's last delivery, per back-end (IMPORT_BACKENDS=embedded,kafka;
 * Kafka needs LEADGATE_KAFKA_BROKERS, PostgreSQL LEADGATE_TEST_DATABASE_URL's server).
 *   node --import tsx bench/import.bench.ts
 */
const rows = Number(process.env.IMPORT_ROWS ?? 20000);
const backends = (process.env.IMPORT_BACKENDS ?? 'embedded,kafka').split(',') as Backend[];
const logger = pino({ level: 'silent' });

const channels = ['form', 'call', 'email', 'telegram', 'whatsapp'];
const spell = (d: string, k: number): string =>
  [`+7${d}`, `8 (${d.slice(0, 3)}) ${d.slice(3, 6)}-${d.slice(6, 8)}-${d.slice(8)}`, `7${d}`, `+7 ${d.slice(0, 3)} ${d.slice(3)}`, `8${d}`][k % 5];
const csvCell = (v: string): string => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

/** Deterministic, so every run imports the same file. */
export function generateCsv(n: number): string {
  let seed = 42;
  const rnd = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const t0 = Date.parse('2025-09-01T06:00:00Z');
  const lines = ['Name,Phone,Email,Date,Channel,utm_source,utm_campaign,Comment,Budget'];
  let person = 0;
  while (lines.length - 1 < n) {
    const p = person++;
    const digits = `9${String(100_000_000 + p * 7919).slice(-9)}`;
    const email = `client${p}@example.ru`;
    const repeats = 1 + Math.floor(rnd() * rnd() * 6);
    let at = t0 + Math.floor(rnd() * 42 * 86_400_000);
    for (let k = 0; k < repeats && lines.length - 1 < n; k++) {
      at += Math.floor(rnd() * 3 * 86_400_000);
      const bad = rnd() < 0.01;
      const withPhone = rnd() < 0.85;
      const withEmail = !withPhone || rnd() < 0.4;
      const date = new Date(at).toISOString().replace('T', ' ').slice(0, 16);
      lines.push([
        `Клиент ${p}`,
        bad ? '' : withPhone ? spell(digits, k + p) : '',
        bad ? '' : withEmail ? (k % 2 ? email.toUpperCase() : email) : '',
        date,
        channels[(p + k) % 5],
        ['yandex', 'google', 'vk', ''][p % 4],
        `camp-${p % 13}`,
        k === 0 ? 'Перезвоните, пожалуйста, после 18:00' : 'Повторная заявка, "срочно"',
        String(10_000 * (p % 50)),
      ].map(csvCell).join(','));
    }
  }
  return `${lines.join('\n')}\n`;
}

const dir = mkdtempSync(join(tmpdir(), 'leadgate-import-bench-'));
const file = join(dir, 'leads.csv');
writeFileSync(file, generateCsv(rows));
const results: Record<string, unknown>[] = [];
try {
  for (const backend of backends) {
    const crm = await startCrmStub();
    const env = await createTestEnvironment(backend, {
      normalizer: { mergeWindowMinutes: 1440 },
      router: { owners: [{ id: 'a' }, { id: 'b' }], destination: { kind: 'webhook', url: crm.url } },
    });
    try {
      const pipeline = await env.start(['router']);
      const normalizer = new Normalizer({ bus: pipeline.bus, store: pipeline.store, plugins: connectorPlugins, metrics: new Metrics({ defaultMetrics: false }), logger, defaultRegion: 'RU', mergeWindowMinutes: 1440 });
      const bar = progressBar();
      const started = performance.now();
      const startedWall = Date.now();
      const summary = await runImport(normalizer, pipeline.store, readCsv(readFileSync(file, 'utf8')), { defaultChannel: 'form', utcOffset: 'Z', onProgress: (done, total) => bar.update(done, total) });
      bar.end();
      const importSec = (performance.now() - started) / 1000;
      const expected = summary.leads + summary.activities + summary.merges;
      process.stderr.write(`${backend}: imported ${JSON.stringify({ ...summary, rejections: undefined })}; waiting for ${expected} deliveries\n`);
      await crm.waitForAccepted(expected, 30 * 60_000);
      const lastSec = (crm.accepted.reduce((m, d) => Math.max(m, d.receivedAt), 0) - startedWall) / 1000;
      results.push({
        backend: backend === 'kafka' ? 'Kafka + PostgreSQL' : 'embedded (PGlite)',
        rows: summary.rows,
        imported: summary.imported,
        rejected: summary.rejected,
        leads: summary.leads,
        activities: summary.activities,
        contacts: summary.contacts,
        merges: summary.merges,
        'import rows/s': Math.round(summary.rows / importSec),
        'import s': importSec.toFixed(1),
        'to last delivery s': lastSec.toFixed(1),
        deliveries: crm.accepted.length,
      });
    } finally {
      await env.cleanup();
      await crm.close();
    }
  }
  process.stdout.write(`\nleadgate import of ${rows} generated rows (one process, sequential in time order)\n`);
  console.table(results);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
