import type { Logger } from 'pino';
import type { ConnectorConfig, ConnectorPlugin } from '../connectors/connector.port.js';
import { LeadgateError } from '../contracts/errors.js';
import { leadDraftSchema, type LeadDraft, type MapResult } from '../contracts/lead-draft.js';
import type { LeadV1 } from '../contracts/lead.js';
import { rawEventV1Schema, type RawEventV1 } from '../contracts/raw-event.js';
import { Topics } from '../contracts/topics.js';
import type { Bus, BusRecord, Subscription } from '../platform/bus/bus.port.js';
import { deadLetter } from '../platform/dead-letter.js';
import { classifyFailure } from '../platform/bus/failure-class.js';
import type { Queryable, Store } from '../platform/store/store.port.js';
import { withTxRetry } from '../platform/store/tx-retry.js';
import type { Metrics } from '../platform/telemetry/metrics.js';
import { validateOrThrow } from '../platform/validation.js';
import { resolveContact } from './contact.resolver.js';
import { cleanContact, type CleanContact, type NormalizationOptions } from './draft.cleaner.js';
import { eventTimeOf, type EventTime, type EventTimePolicy } from './event-time.js';
import { buildLead, isSpam } from './lead.builder.js';
import { spamLead } from './spam.recorder.js';
import { placeRequest } from './lead.merger.js';
import { repairDeep } from '../platform/text/safe-text.js';
import { defaultNormalizerBatch, normalizeBatch } from './normalizer.batch.js';

export interface NormalizerOptions {
  bus: Bus;
  store: Store;
  plugins: ReadonlyMap<string, ConnectorPlugin>;
  metrics: Metrics;
  logger: Logger;
  defaultRegion: string;
  /** Merge window for channels without their own entry in `mergeWindows`. */
  mergeWindowMinutes: number;
  /**
   * Merge windows in minutes by connector id or channel (`{ call: 60, form: 1440, 'site-promo': 10 }`): the
   * request's connector id wins over its channel, which wins over `mergeWindowMinutes`.
   */
  mergeWindows?: Readonly<Record<string, number>>;
  /** Phone, e-mail and name rules beyond `defaultRegion`. */
  normalization?: Omit<NormalizationOptions, 'defaultRegion'>;
  /** When the provider's own time decides the lead window (docs/identity.md, "Event time"). */
  eventTime?: EventTimePolicy;
  /**
   * The configured connector instances: each mapper sees its instance's settings, and an instance's own
   * `defaultRegion` replaces the normalizer's for the phones it brings.
   */
  connectors?: readonly ConnectorConfig[];
  group?: string;
  /**
   * Batch consumption (`normalizer.batch`): each fetched batch of raw events in one transaction
   * (normalizer.batch.ts). Off: one transaction per raw event. Default on, 500 records.
   */
  batch?: { enabled: boolean; maxRecords: number };
}

interface ProcessedRow extends Record<string, unknown> {
  output: LeadV1 | null;
}

/** A draft's store-independent part, computed once per attempt series (see `Normalizer.prepare`). */
export interface PreparedDraft {
  contact: CleanContact;
  eventTime: EventTime;
  spam: boolean;
}

/** What mapping a raw event gave: a draft, a deliberate ignore, or an error that sends it to the DLQ. */
export type MapOutcome = { kind: 'lead'; draft: LeadDraft } | { kind: 'ignore'; reason: string } | { kind: 'error'; code: string; reason: string };

/**
 * Consumes raw events, maps them with their connector's pure mapper, resolves the contact, places the
 * request on a lead and publishes Lead v1 keyed by contact id.
 *
 * Exactly-once effect on the store: the raw event key is recorded in the same transaction as the contact
 * and lead changes, together with the Lead v1 it produced. A redelivered raw event finds that row and
 * re-publishes the stored output (the router's ledger makes that harmless), so a crash between commit
 * and publish loses nothing. Ignored and dead-lettered events are recorded too (outcome `ignored: …` /
 * `dead_lettered: <code>`), so `leadgate replay` can re-run them after a mapper fix.
 */
export class Normalizer {
  private subscription?: Subscription;
  private readonly connectors: ReadonlyMap<string, ConnectorConfig>;

  constructor(private readonly options: NormalizerOptions) {
    this.connectors = new Map((options.connectors ?? []).map((c) => [c.id, c]));
  }

  async start(): Promise<void> {
    const group = this.options.group ?? 'leadgate-normalizer';
    const batch = this.options.batch ?? defaultNormalizerBatch;
    this.subscription = batch.enabled
      ? await this.options.bus.subscribeBatch(Topics.raw, group, (records) => normalizeBatch(this, records), { maxRecords: batch.maxRecords })
      : await this.options.bus.subscribe(Topics.raw, group, (r) => this.handle(r));
  }

  /** The store and metrics the batch path shares with this normalizer. */
  get deps(): Pick<NormalizerOptions, 'store' | 'metrics'> {
    return { store: this.options.store, metrics: this.options.metrics };
  }

  /** Finishes the running batch, or abandons it uncommitted when `deadline` aborts (bus.port.ts). */
  async stop(deadline?: AbortSignal): Promise<void> {
    await this.subscription?.stop(deadline);
  }

  async handle(record: BusRecord): Promise<void> {
    const { metrics } = this.options;
    let raw: RawEventV1;
    try {
      raw = validateOrThrow<RawEventV1>(rawEventV1Schema, record.value, 'raw event');
    } catch (err) {
      return this.reject(record, err);
    }
    const done = await this.options.store.query<ProcessedRow>('select output from raw_events where event_key = $1', [record.key]);
    // A replayed dead letter (`replay` header) is mapped again; any other repeat of a finished event is not.
    if (done.length > 0 && (done[0].output || record.headers.replay === undefined)) {
      metrics.normalized.inc({ outcome: 'duplicate' });
      if (done[0].output) await this.publishLead(done[0].output);
      return;
    }
    const mapped = this.map(raw);
    if (mapped.kind === 'error') return this.reject(record, new LeadgateError(mapped.code === 'VALIDATION_FAILED' ? 'VALIDATION_FAILED' : 'MAPPING_FAILED', mapped.reason), raw);
    if (mapped.kind === 'ignore') {
      await this.recordOutcome(record.key, raw, `ignored: ${mapped.reason}`);
      metrics.normalized.inc({ outcome: 'ignored' });
      return;
    }
    let lead: LeadV1;
    try {
      lead = await this.persist(record.key, raw, mapped.draft);
    } catch (err) {
      // A value the store refuses fails the same way on every attempt: park it (recorded, so `leadgate
      // replay` finds it too) instead of holding the partition. Transient errors go to the bus's guard.
      if (classifyFailure(err).kind === 'permanent') return this.reject(record, err, raw);
      throw err;
    }
    metrics.normalized.inc({ outcome: lead.type === 'lead.created' ? 'lead_created' : 'activity' });
    if (lead.mergedContactIds?.length) metrics.contactMerges.inc(lead.mergedContactIds.length);
    await this.publishLead(lead);
  }

  /** Runs the connector's pure mapper and validates its draft; never throws. */
  map(raw: RawEventV1): MapOutcome {
    const plugin = this.options.plugins.get(raw.connector.kind);
    try {
      if (!plugin) throw new LeadgateError('MAPPING_FAILED', `no connector plugin of kind "${raw.connector.kind}"`);
      const config = this.connectors.get(raw.connector.id);
      const result: MapResult = plugin.mapper({ channel: raw.channel, connectorId: raw.connector.id, payload: raw.payload, meta: raw.meta, receivedAt: raw.receivedAt, ...(config ? { config } : {}) });
      if (result.kind === 'ignore') return { kind: 'ignore', reason: result.reason };
      return { kind: 'lead', draft: repairDeep(validateOrThrow<LeadDraft>(leadDraftSchema, result, 'lead draft')) };
    } catch (err) {
      return { kind: 'error', code: err instanceof LeadgateError ? err.code : 'MAPPING_FAILED', reason: err instanceof Error ? err.message : String(err) };
    }
  }

  /** Cleaning rules as configured (region, phone, e-mail, name). */
  get normalization(): NormalizationOptions {
    return { defaultRegion: this.options.defaultRegion, ...this.options.normalization };
  }

  /** The cleaning rules for one connector instance: its own `defaultRegion`, when it sets one, wins. */
  normalizationFor(connectorId: string): NormalizationOptions {
    const region = this.connectors.get(connectorId)?.defaultRegion;
    return typeof region === 'string' ? { ...this.normalization, defaultRegion: region } : this.normalization;
  }

  windowFor(channel: string, connectorId?: string): number {
    const windows = this.options.mergeWindows ?? {};
    // Own-property lookups only: a connector named `constructor` must not read Object.prototype.
    const own = (k: string | undefined): number | undefined => (k !== undefined && Object.hasOwn(windows, k) ? windows[k] : undefined);
    return own(connectorId) ?? own(channel) ?? this.options.mergeWindowMinutes;
  }

  /**
   * Resolves, places and records one request in one transaction, returning the Lead v1 it produced.
   * A row left by an ignored or dead-lettered attempt is taken over (replay); a row another instance
   * already turned into a lead is reused as is.
   */
  async persist(eventKey: string, raw: RawEventV1, draft: LeadDraft): Promise<LeadV1> {
    const prepared = this.prepare(raw, draft);
    return withTxRetry(this.options.store, (q) => this.persistIn(q, eventKey, raw, draft, prepared), { retries: 8 });
  }

  /** What a draft's placement needs that does not touch the store (cleaned contact, event time, spam). */
  prepare(raw: RawEventV1, draft: LeadDraft): PreparedDraft {
    return {
      contact: cleanContact(draft, this.normalizationFor(raw.connector.id)),
      eventTime: eventTimeOf(raw.receivedAt, draft.occurredAt, raw.connector.kind, this.options.eventTime),
      spam: isSpam(raw, draft),
    };
  }

  /** `persist`'s statements inside the caller's transaction (the batch path runs many in one). */
  async persistIn(q: Queryable, eventKey: string, raw: RawEventV1, draft: LeadDraft, prepared: PreparedDraft): Promise<LeadV1> {
    const { spam } = prepared;
    const claimed = await q.query<ProcessedRow>(
      `insert into raw_events (event_key, event_id, connector_id, received_at, raw, outcome) values ($1, $2, $3, $4, $5, $6)
       on conflict (event_key) do update set outcome = excluded.outcome, raw = excluded.raw, processed_at = now()
         where raw_events.outcome not in ('lead', 'spam')
       returning output`,
      [eventKey, raw.id, raw.connector.id, raw.receivedAt, JSON.stringify(raw), spam ? 'spam' : 'lead'],
    );
    if (claimed.length === 0) {
      // Another normalizer instance committed this event meanwhile: reuse its output.
      const [row] = await q.query<ProcessedRow>('select output from raw_events where event_key = $1', [eventKey]);
      if (row?.output) return row.output;
      throw new LeadgateError('INTERNAL', 'raw event recorded without output', { retriable: true });
    }
    const lead = await this.produce(q, eventKey, raw, draft, prepared);
    await q.query('update raw_events set output = $2 where event_key = $1', [eventKey, JSON.stringify(lead)]);
    return lead;
  }

  /** Resolves the contact and places the request (after the raw event was claimed), returning its Lead v1. */
  produce(q: Queryable, eventKey: string, raw: RawEventV1, draft: LeadDraft, prepared: PreparedDraft): Promise<LeadV1> {
    const { contact, eventTime, spam } = prepared;
    // Spam is kept for lineage only: no contact, identity or lead, so it can neither claim nor link anyone.
    return spam ? Promise.resolve(spamLead(raw, draft, contact, eventTime)) : this.place(q, eventKey, raw, draft, contact, eventTime);
  }

  private async place(q: Queryable, eventKey: string, raw: RawEventV1, draft: LeadDraft, contact: CleanContact, eventTime: EventTime): Promise<LeadV1> {
    const at = eventTime.at;
    const resolved = await resolveContact(q, contact.identities, contact.name, eventKey, at);
    const placement = await placeRequest(q, {
      contactId: resolved.id,
      eventKey,
      rawEventId: raw.id,
      channel: raw.channel,
      connectorId: raw.connector.id,
      at,
      windowMinutes: this.windowFor(raw.channel, raw.connector.id),
      ...(draft.threadKey ? { threadKey: draft.threadKey } : {}),
      ...(draft.threadRefs ? { threadRefs: draft.threadRefs } : {}),
    });
    return buildLead(raw, draft, contact, {
      type: placement.type,
      leadId: placement.leadId,
      activityId: placement.activityId,
      contactId: resolved.id,
      isNew: resolved.isNew,
      ...(resolved.ownerId ? { ownerId: resolved.ownerId } : {}),
      mergedContactIds: resolved.mergedIds,
      eventTime,
    });
  }

  async publishLead(lead: LeadV1): Promise<void> {
    await this.options.bus.publish(Topics.normalized, lead.contact.id, lead, { type: lead.type });
  }

  /** Records a non-lead outcome; a row that already exists (a lead, or an earlier outcome) wins unless it was not a lead. */
  async recordOutcome(eventKey: string, raw: RawEventV1, outcome: string, q: Queryable = this.options.store): Promise<void> {
    await q.query(
      `insert into raw_events (event_key, event_id, connector_id, received_at, raw, outcome) values ($1, $2, $3, $4, $5, $6)
       on conflict (event_key) do update set outcome = excluded.outcome, processed_at = now() where raw_events.outcome <> 'lead'`,
      [eventKey, raw.id, raw.connector.id, raw.receivedAt, JSON.stringify(raw), outcome],
    );
  }

  /** Dead-letters a raw event (then records its outcome); the batch path calls it for mapping errors. */
  async reject(record: BusRecord, err: unknown, raw?: RawEventV1): Promise<void> {
    const failure = classifyFailure(err);
    const code = err instanceof LeadgateError ? err.code : failure.code;
    const reason = `${failure.detail && !(err instanceof LeadgateError) ? `${failure.detail}: ` : ''}${failure.message}`;
    this.options.logger.warn({ code, detail: failure.detail, connector: record.key.split(':')[0], partition: record.partition, offset: record.offset }, 'raw event dead-lettered');
    this.options.metrics.normalized.inc({ outcome: 'dead_lettered' });
    await deadLetter(this.options.bus, {
      stage: 'normalizer',
      code,
      reason,
      sourceTopic: record.topic,
      key: record.key,
      record: record.value,
      sourcePartition: record.partition,
      sourceOffset: record.offset,
      attempts: 1,
      failure: 'permanent',
    });
    // After the DLQ publish, so a crash in between re-runs both rather than hiding the event from the DLQ.
    if (raw) {
      await this.recordOutcome(record.key, raw, `dead_lettered: ${code}`).catch((recordErr: unknown) => {
        // The letter is out; a raw event the store cannot even record is found through the DLQ only.
        if (classifyFailure(recordErr).kind !== 'permanent') throw recordErr;
      });
    }
  }
}
