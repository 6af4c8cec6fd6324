import { randomUUID } from 'node:crypto';
import type { LeadV1 } from '../../contracts/lead.js';
import type { RawEventV1 } from '../../contracts/raw-event.js';
import { Topics } from '../../contracts/topics.js';
import { payloadHash } from '../../gateway/raw-key.js';
import { cleanContact } from '../../normalizer/draft.cleaner.js';
import type { Normalizer } from '../../normalizer/normalizer.service.js';
import type { Store } from '../../platform/store/store.port.js';
import { maskPii } from '../../platform/telemetry/logger.js';
import type { ReadResult } from './import.reader.js';
import { toImportRow, type ImportOptions } from './import.rows.js';

export interface ImportSummary {
  rows: number;
  /** Rows turned into requests by this run (not counting rows a previous run already imported). */
  imported: number;
  leads: number;
  activities: number;
  contacts: number;
  merges: number;
  /** Rows an earlier run of the same data already imported: nothing changed for them. */
  alreadyImported: number;
  rejected: number;
  rejectedByReason: Record<string, number>;
  /** The first `maxListedRejections` rejected rows, with their line in the file. */
  rejections: { line: number; reason: string }[];
  durationMs: number;
  rowsPerSec: number;
}

export interface RunImportOptions extends ImportOptions {
  /** Connector id the raw events carry (`import` by default); merge windows may be set for it. */
  connectorId?: string;
  onProgress?: (done: number, total: number) => void;
  /** People imported in parallel (default 8); each person's rows stay sequential in time order. */
  concurrency?: number;
  maxListedRejections?: number;
  now?: () => number;
}

interface OutcomeRow extends Record<string, unknown> {
  outcome: string;
  output: LeadV1 | null;
}

/**
 * Imports read records in time order through the normalizer's own `handle` (the same code path as a
 * raw event from the bus: mapping, cleaning, identity, merge window, exactly-once store effect, Lead v1
 * published for the router). Each row's raw-event key is a hash of its mapped content, so running the
 * same file again finds every row already recorded and changes nothing (the router's ledger also makes
 * the re-published records harmless). Rows are handled one after the other: lead-vs-activity then
 * decides exactly as the original sequence of requests would have. (Rows of different people may run in
 * parallel; a row touching a contact stored before the import that another person's rows also touch is
 * ordered by the contact lock rather than by time, and still placed by its event time.)
 */
export async function runImport(normalizer: Normalizer, store: Store, read: ReadResult, options: RunImportOptions): Promise<ImportSummary> {
  const now = options.now ?? Date.now;
  const startedAt = now();
  const connectorId = options.connectorId ?? 'import';
  const summary: ImportSummary = { rows: read.records.length + read.broken.length, imported: 0, leads: 0, activities: 0, contacts: 0, merges: 0, alreadyImported: 0, rejected: 0, rejectedByReason: {}, rejections: [], durationMs: 0, rowsPerSec: 0 };
  const reject = (line: number, reason: string): void => {
    summary.rejected++;
    const code = reason.split(':')[0];
    summary.rejectedByReason[code] = (summary.rejectedByReason[code] ?? 0) + 1;
    if (summary.rejections.length < (options.maxListedRejections ?? 1000)) summary.rejections.push({ line, reason: maskPii(reason) });
  };
  for (const b of read.broken) reject(b.line, b.reason);
  const rows: (Extract<ReturnType<typeof toImportRow>, { ok: true }> & { ids: string[] })[] = [];
  for (const record of read.records) {
    const row = toImportRow(record, options);
    if (!row.ok) {
      reject(row.line, row.reason);
      continue;
    }
    const ids = cleanContact({ kind: 'lead', contact: { phones: row.payload.phones, emails: row.payload.emails } }, normalizer.normalization).identities.map((i) => `${i.kind}:${i.value}`);
    if (ids.length === 0) reject(row.line, `no_valid_contact: ${[...row.payload.phones, ...row.payload.emails].join(', ').slice(0, 80)}`);
    else rows.push({ ...row, ids });
  }
  let done = summary.rejected;
  const one = async (row: (typeof rows)[number]): Promise<void> => {
    const hash = payloadHash({ channel: row.channel, ...row.payload });
    const raw: RawEventV1 = {
      v: 1,
      id: randomUUID(),
      connector: { id: connectorId, kind: 'import' },
      channel: row.channel,
      receivedAt: new Date(now()).toISOString(),
      providerEventId: `row-sha256:${hash}`,
      payload: { ...row.payload },
      meta: {},
    };
    const key = `${connectorId}:${raw.providerEventId}`;
    const [before] = await store.query<OutcomeRow>('select outcome, output from raw_events where event_key = $1', [key]);
    await normalizer.handle({ topic: Topics.raw, key, value: raw, headers: {}, offset: '0', partition: 0, timestamp: now() });
    if (before) summary.alreadyImported++;
    else await count(store, key, row.line, summary, reject);
    options.onProgress?.(++done, summary.rows);
  };
  // Rows that share an identity (directly or through a chain) are one person's: they run one after the
  // other in time order, so lead-vs-activity and merges decide as the original sequence did; different
  // people run in parallel.
  const queues = [...groupByPerson(rows).values()].map((g) => g.sort((a, b) => a.at - b.at || a.line - b.line)).sort((a, b) => a[0].at - b[0].at);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.max(1, options.concurrency ?? 8) }, async () => {
      while (next < queues.length) {
        for (const row of queues[next++]) await one(row);
      }
    }),
  );
  options.onProgress?.(summary.rows, summary.rows);
  summary.durationMs = now() - startedAt;
  summary.rowsPerSec = summary.durationMs > 0 ? Math.round((rows.length / summary.durationMs) * 1000) : rows.length;
  return summary;
}

async function count(store: Store, key: string, line: number, summary: ImportSummary, reject: (line: number, reason: string) => void): Promise<void> {
  const [after] = await store.query<OutcomeRow>('select outcome, output from raw_events where event_key = $1', [key]);
  if (!after?.output || after.outcome !== 'lead') {
    reject(line, after?.outcome ?? 'not_recorded');
    return;
  }
  summary.imported++;
  if (after.output.type === 'lead.created') summary.leads++;
  else summary.activities++;
  if (after.output.contact.isNew) summary.contacts++;
  summary.merges += after.output.mergedContactIds?.length ?? 0;
}

/** Union-find over the rows' normalized identities: one group per person as the rules will see them. */
function groupByPerson<R extends { ids: string[] }>(rows: R[]): Map<string, R[]> {
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    let root = x;
    while (parent.get(root) !== root) root = parent.get(root) as string;
    parent.set(x, root);
    return root;
  };
  for (const row of rows) {
    for (const id of row.ids) if (!parent.has(id)) parent.set(id, id);
    for (const id of row.ids.slice(1)) parent.set(find(id), find(row.ids[0]));
  }
  const groups = new Map<string, R[]>();
  for (const row of rows) {
    const root = find(row.ids[0]);
    groups.set(root, [...(groups.get(root) ?? []), row]);
  }
  return groups;
}
