import type { LeadV1 } from '../contracts/lead.js';
import { rawEventV1Schema, type RawEventV1 } from '../contracts/raw-event.js';
import type { Store } from '../platform/store/store.port.js';
import { validateOrThrow } from '../platform/validation.js';
import { cleanContact } from './draft.cleaner.js';
import { buildLead } from './lead.builder.js';
import type { Normalizer } from './normalizer.service.js';

export interface ReplayOptions {
  /** ISO-8601 bounds on the raw event's `receivedAt`: `from` inclusive, `to` exclusive. */
  from: string;
  to: string;
  connectorId?: string;
  /** Also re-map events that already became leads, re-publishing their record with the same ids. */
  remap?: boolean;
  batchSize?: number;
  /** Called after each event with the number scanned so far and the number in the window (CLI progress). */
  onProgress?: (scanned: number, total: number) => void;
}

/** What a replay did, by outcome; every scanned event is counted exactly once. */
export interface ReplayReport {
  scanned: number;
  /** Previously ignored or dead-lettered, now a lead: processed and published. */
  recovered: number;
  stillIgnored: number;
  stillFailing: number;
  /** Already a lead and `remap` not asked: nothing to do (idempotent by event key). */
  skipped: number;
  /** Already a lead, re-mapped and re-published with the same lead, activity and contact ids. */
  remapped: number;
  /** Already a lead, but the current mapper no longer makes a lead of it: left as it was. */
  remapDiverged: number;
  /** Payload erased on request: never replayed. */
  erased: number;
}

interface RawRow extends Record<string, unknown> {
  event_key: string;
  received_at: Date | string;
  raw: (RawEventV1 & { erased?: boolean }) | Record<string, unknown>;
  outcome: string;
  output: LeadV1 | null;
}

/**
 * Re-runs stored raw events (`raw_events.raw`) through the current mappers, oldest first. Never creates
 * duplicates: an event that already became a lead keeps its contact, lead and activity (decisions the CRM
 * has seen are not re-taken); only its record's content is rebuilt with `remap`. An event that was ignored
 * or dead-lettered is processed like a new one, through the same transaction that claims its key, so a
 * replay racing a live normalizer or another replay settles on one result.
 */
export async function replayRawEvents(normalizer: Normalizer, store: Store, options: ReplayOptions): Promise<ReplayReport> {
  const report: ReplayReport = { scanned: 0, recovered: 0, stillIgnored: 0, stillFailing: 0, skipped: 0, remapped: 0, remapDiverged: 0, erased: 0 };
  const batch = options.batchSize ?? 500;
  let after: { at: string; key: string } | undefined;
  let total = 0;
  if (options.onProgress) {
    const [count] = await store.query<{ n: string | number }>(
      `select count(*) as n from raw_events where received_at >= $1::timestamptz and received_at < $2::timestamptz and ($3::text is null or connector_id = $3)`,
      [options.from, options.to, options.connectorId ?? null],
    );
    total = Number(count?.n ?? 0);
  }
  for (;;) {
    const rows = await store.query<RawRow>(
      `select event_key, received_at, raw, outcome, output from raw_events
       where received_at >= $1::timestamptz and received_at < $2::timestamptz and ($3::text is null or connector_id = $3)
         and ($4::timestamptz is null or (received_at, event_key) > ($4::timestamptz, $5::text))
       order by received_at, event_key limit $6`,
      [options.from, options.to, options.connectorId ?? null, after?.at ?? null, after?.key ?? '', batch],
    );
    for (const row of rows) {
      report.scanned++;
      await replayOne(normalizer, store, row, options.remap ?? false, report);
      options.onProgress?.(report.scanned, Math.max(total, report.scanned));
    }
    if (rows.length < batch) return report;
    const last = rows[rows.length - 1];
    after = { at: new Date(last.received_at).toISOString(), key: last.event_key };
  }
}

async function replayOne(normalizer: Normalizer, store: Store, row: RawRow, remap: boolean, report: ReplayReport): Promise<void> {
  if ((row.raw as { erased?: boolean }).erased) {
    report.erased++;
    return;
  }
  const raw = validateOrThrow<RawEventV1>(rawEventV1Schema, row.raw, 'stored raw event');
  if (row.outcome === 'lead') {
    if (!remap || !row.output) {
      report.skipped++;
      return;
    }
    const mapped = normalizer.map(raw);
    if (mapped.kind !== 'lead') {
      report.remapDiverged++;
      return;
    }
    // The lead may have moved to a surviving contact since: publish under its current contact.
    const [lead] = await store.query<{ contact_id: string }>('select contact_id from leads where id = $1', [row.output.leadId]);
    const before = row.output;
    const rebuilt = buildLead(raw, mapped.draft, cleanContact(mapped.draft, normalizer.normalizationFor(raw.connector.id)), {
      type: before.type,
      leadId: before.leadId,
      activityId: before.activityId,
      contactId: lead?.contact_id ?? before.contact.id,
      isNew: before.contact.isNew,
      ...(before.contact.ownerId ? { ownerId: before.contact.ownerId } : {}),
      ...(before.mergedContactIds ? { mergedContactIds: before.mergedContactIds } : {}),
    });
    await store.query("update raw_events set output = $2 where event_key = $1 and outcome = 'lead'", [row.event_key, JSON.stringify(rebuilt)]);
    await normalizer.publishLead(rebuilt);
    report.remapped++;
    return;
  }
  const mapped = normalizer.map(raw);
  if (mapped.kind === 'lead') {
    const lead = await normalizer.persist(row.event_key, raw, mapped.draft);
    await normalizer.publishLead(lead);
    report.recovered++;
  } else if (mapped.kind === 'ignore') {
    await normalizer.recordOutcome(row.event_key, raw, `ignored: ${mapped.reason}`);
    report.stillIgnored++;
  } else {
    await normalizer.recordOutcome(row.event_key, raw, `dead_lettered: ${mapped.code}`);
    report.stillFailing++;
  }
}
