import type { LeadDraft } from '../contracts/lead-draft.js';
import type { LeadV1 } from '../contracts/lead.js';
import { LeadgateError } from '../contracts/errors.js';
import { rawEventV1Schema, type RawEventV1 } from '../contracts/raw-event.js';
import type { BusRecord } from '../platform/bus/bus.port.js';
import { classifyFailure } from '../platform/bus/failure-class.js';
import { byKeyInOrder } from '../platform/bus/poison-guard.batch.js';
import type { Queryable } from '../platform/store/store.port.js';
import { withTxRetry } from '../platform/store/tx-retry.js';
import { validateOrThrow } from '../platform/validation.js';
import type { Normalizer, PreparedDraft } from './normalizer.service.js';

/** `normalizer.batch` when the config does not say: batches on, 500 raw events per transaction. */
export const defaultNormalizerBatch: { enabled: boolean; maxRecords: number } = { enabled: true, maxRecords: 500 };

interface DoneRow extends Record<string, unknown> {
  event_key: string;
  output: LeadV1 | null;
}

type Work =
  | { kind: 'lead'; record: BusRecord; raw: RawEventV1; draft: LeadDraft; prepared: PreparedDraft }
  | { kind: 'ignore'; record: BusRecord; raw: RawEventV1; reason: string };

/** Advisory-lock key space of the batch path's identity locks (any constant distinct from other users). */
const IDENTITY_LOCK_SPACE = 7_341;

/**
 * Normalizes a fetched batch of raw events with one transaction (one commit, one fsync) for the whole
 * batch instead of one per event, then publishes its Lead v1 records. Decisions are the per-record
 * path's: the raw events are claimed with one statement and their outputs written with one, and in
 * between each event's contact resolution and lead placement (`Normalizer.produce`) run in log order.
 *
 * - Redeliveries are found with one lookup for the batch and re-publish their stored output.
 * - A second record of an event key within the batch, a replayed dead letter (`replay` header) and a
 *   value that is not a raw event go through `Normalizer.handle` after the batch, in order, exactly as
 *   the per-record path would treat them.
 * - Before its statements the transaction locks the batch's identities in sorted order (advisory,
 *   transaction-scoped), so two normalizer instances whose batches share people queue instead of
 *   deadlocking on contact rows locked in different orders.
 * - One event the store refuses (a permanent error) aborts the batch's transaction; the batch is then
 *   redone record by record through `Normalizer.handle`, which dead-letters that event alone. Transient
 *   errors reject, so the bus (and its poison guard) retries the batch.
 */
export async function normalizeBatch(normalizer: Normalizer, records: BusRecord[]): Promise<void> {
  const { store, metrics } = normalizer.deps;
  const later: BusRecord[] = [];
  const fresh: { record: BusRecord; raw: RawEventV1 }[] = [];
  const seen = new Set<string>();
  for (const record of records) {
    const raw = seen.has(record.key) || record.headers.replay !== undefined ? undefined : parseRaw(record.value);
    if (raw === undefined) {
      later.push(record);
      continue;
    }
    seen.add(record.key);
    fresh.push({ record, raw });
  }

  const done = fresh.length === 0 ? [] : await store.query<DoneRow>('select event_key, output from raw_events where event_key = any($1::text[])', [fresh.map((f) => f.record.key)]);
  const doneByKey = new Map(done.map((d) => [d.event_key, d.output]));
  const publish: LeadV1[] = [];
  const rejects: { record: BusRecord; raw: RawEventV1; err: LeadgateError }[] = [];
  const work: Work[] = [];
  for (const { record, raw } of fresh) {
    if (doneByKey.has(record.key)) {
      metrics.normalized.inc({ outcome: 'duplicate' });
      const output = doneByKey.get(record.key);
      if (output) publish.push(output);
      continue;
    }
    const mapped = normalizer.map(raw);
    if (mapped.kind === 'error') rejects.push({ record, raw, err: new LeadgateError(mapped.code === 'VALIDATION_FAILED' ? 'VALIDATION_FAILED' : 'MAPPING_FAILED', mapped.reason) });
    else if (mapped.kind === 'ignore') work.push({ kind: 'ignore', record, raw, reason: mapped.reason });
    else work.push({ kind: 'lead', record, raw, draft: mapped.draft, prepared: normalizer.prepare(raw, mapped.draft) });
  }

  const leads = work.length === 0 ? [] : await persistBatch(normalizer, work);
  if (leads === undefined) {
    // The store refused one of them: the per-record path finds which, dead-letters it and persists the rest.
    await byKeyInOrder(work.map((w) => w.record), (record) => normalizer.handle(record), 16);
  } else {
    for (const w of work) if (w.kind === 'ignore') metrics.normalized.inc({ outcome: 'ignored' });
    for (const lead of leads) {
      metrics.normalized.inc({ outcome: lead.type === 'lead.created' ? 'lead_created' : 'activity' });
      if (lead.mergedContactIds?.length) metrics.contactMerges.inc(lead.mergedContactIds.length);
      publish.push(lead);
    }
  }
  await publishInOrder(normalizer, publish);
  for (const r of rejects) await normalizer.reject(r.record, r.err, r.raw);
  for (const record of later) await normalizer.handle(record);
}

/** The batch's statements in one transaction; `undefined` when the store refused a value (permanent). */
async function persistBatch(normalizer: Normalizer, work: Work[]): Promise<LeadV1[] | undefined> {
  const { store } = normalizer.deps;
  const identities = [...new Set(work.flatMap((w) => (w.kind === 'lead' ? w.prepared.contact.identities.map((i) => `${i.kind}:${i.value}`) : [])))].sort();
  try {
    return await withTxRetry(
      store,
      async (q) => {
        if (identities.length > 0 && store.kind === 'postgres') {
          await q.query('select pg_advisory_xact_lock($1::int, hashtext(k)) from unnest($2::text[]) as k order by k', [IDENTITY_LOCK_SPACE, identities]);
        }
        const leadWork = work.filter((w): w is Extract<Work, { kind: 'lead' }> => w.kind === 'lead');
        const reused = await claimAll(q, leadWork);
        const out: LeadV1[] = [];
        const produced: { event_key: string; output: LeadV1 }[] = [];
        for (const w of work) {
          if (w.kind === 'ignore') {
            await normalizer.recordOutcome(w.record.key, w.raw, `ignored: ${w.reason}`, q);
            continue;
          }
          const earlier = reused.get(w.record.key);
          const lead = earlier ?? (await normalizer.produce(q, w.record.key, w.raw, w.draft, w.prepared));
          if (earlier === undefined) produced.push({ event_key: w.record.key, output: lead });
          out.push(lead);
        }
        if (produced.length > 0) {
          await q.query('update raw_events r set output = v.output from jsonb_to_recordset($1::jsonb) as v(event_key text, output jsonb) where r.event_key = v.event_key', [JSON.stringify(produced)]);
        }
        return out;
      },
      { retries: 8 },
    );
  } catch (err) {
    if (classifyFailure(err).kind === 'permanent') return undefined;
    throw err;
  }
}

/**
 * The per-record claim (`Normalizer.persistIn`) for the whole batch in one statement: rows left by an
 * ignored or dead-lettered attempt are taken over, rows another instance already turned into a lead or
 * spam are not claimed and their output is reused. Returns those reused outputs by event key.
 */
async function claimAll(q: Queryable, work: Extract<Work, { kind: 'lead' }>[]): Promise<Map<string, LeadV1>> {
  if (work.length === 0) return new Map();
  const rows = work.map((w) => ({ event_key: w.record.key, event_id: w.raw.id, connector_id: w.raw.connector.id, received_at: w.raw.receivedAt, raw: w.raw, outcome: w.prepared.spam ? 'spam' : 'lead' }));
  const claimed = await q.query<{ event_key: string }>(
    `insert into raw_events (event_key, event_id, connector_id, received_at, raw, outcome)
     select event_key, event_id, connector_id, received_at, raw, outcome
     from jsonb_to_recordset($1::jsonb) as x(event_key text, event_id text, connector_id text, received_at timestamptz, raw jsonb, outcome text)
     on conflict (event_key) do update set outcome = excluded.outcome, raw = excluded.raw, processed_at = now()
       where raw_events.outcome not in ('lead', 'spam')
     returning event_key`,
    [JSON.stringify(rows)],
  );
  const mine = new Set(claimed.map((c) => c.event_key));
  const others = work.map((w) => w.record.key).filter((k) => !mine.has(k));
  const reused = new Map<string, LeadV1>();
  if (others.length === 0) return reused;
  const done = await q.query<DoneRow>('select event_key, output from raw_events where event_key = any($1::text[])', [others]);
  for (const d of done) {
    // Another normalizer instance committed this event meanwhile: reuse its output.
    if (!d.output) throw new LeadgateError('INTERNAL', 'raw event recorded without output', { retriable: true });
    reused.set(d.event_key, d.output);
  }
  return reused;
}

/** Publishes concurrently across contacts and in batch order within one (Lead v1 is keyed by contact). */
async function publishInOrder(normalizer: Normalizer, leads: LeadV1[]): Promise<void> {
  const byContact = new Map<string, LeadV1[]>();
  for (const lead of leads) {
    const list = byContact.get(lead.contact.id);
    if (list === undefined) byContact.set(lead.contact.id, [lead]);
    else list.push(lead);
  }
  await Promise.all(
    [...byContact.values()].map(async (list) => {
      for (const lead of list) await normalizer.publishLead(lead);
    }),
  );
}

function parseRaw(value: unknown): RawEventV1 | undefined {
  try {
    return validateOrThrow<RawEventV1>(rawEventV1Schema, value, 'raw event');
  } catch {
    return undefined;
  }
}
