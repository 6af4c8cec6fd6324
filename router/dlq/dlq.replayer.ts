import type { Logger } from 'pino';
import type { Delivery } from '../../contracts/delivery.js';
import { Topics } from '../../contracts/topics.js';
import type { Bus } from '../../platform/bus/bus.port.js';
import type { RetryEnvelope } from '../deliverer.js';
import type { DeadLetterEntry, DeadLetterFilter, DeadLetterIndex } from './dead-letter.index.js';

export interface ReplaySelection extends DeadLetterFilter {
  id?: number;
}

export interface ReplayOutcome {
  id: number;
  stage: DeadLetterEntry['stage'];
  /** Where the record went: the retry topic (a delivery) or its source topic (raw event, lead). */
  topic: string;
  key: string;
}

function isDelivery(value: unknown): value is Delivery {
  const v = value as Partial<Delivery> | null;
  return !!v && typeof v === 'object' && typeof v.kind === 'string' && typeof v.idempotencyKey === 'string' && !!v.lead;
}

/**
 * Sends dead letters back into the pipeline. A delivery the CRM rejected goes onto the retry topic with
 * its original idempotency key, so the router's Deliverer sends it (after a lookup by that key) and the
 * ledger keeps it to one CRM record however often it is replayed. Anything else (a raw event the
 * normalizer could not map, a lead that failed validation) is re-published to the topic it came from.
 * One letter selected by id is replayed even if it was replayed before; bulk replays skip those.
 */
export class DeadLetterReplayer {
  constructor(private readonly deps: { bus: Bus; index: DeadLetterIndex; logger: Logger }) {}

  /** `onProgress(done, total)` after each letter, for the CLI's progress bar. */
  async replay(selection: ReplaySelection, onProgress?: (done: number, total: number) => void): Promise<ReplayOutcome[]> {
    const { index } = this.deps;
    let entries: DeadLetterEntry[];
    if (selection.id !== undefined) {
      const one = await index.get(selection.id);
      entries = one ? [one] : [];
    } else {
      entries = await index.list({ ...selection, includeReplayed: false, limit: selection.limit ?? 10_000 });
    }
    const outcomes: ReplayOutcome[] = [];
    for (const entry of entries) {
      outcomes.push(await this.replayOne(entry));
      onProgress?.(outcomes.length, entries.length);
    }
    return outcomes;
  }

  private async replayOne(entry: DeadLetterEntry): Promise<ReplayOutcome> {
    const { bus, index, logger } = this.deps;
    let outcome: ReplayOutcome;
    if (entry.stage === 'router' && entry.destination && isDelivery(entry.record)) {
      const envelope: RetryEnvelope = { v: 1, destinationId: entry.destination, attempts: 0, notBefore: Date.now(), delivery: entry.record };
      const key = `${entry.destination}:${entry.record.idempotencyKey}`;
      await bus.publish(Topics.deliveryRetry, key, envelope, { replay: String(entry.id) });
      outcome = { id: entry.id, stage: entry.stage, topic: Topics.deliveryRetry, key };
    } else {
      await bus.publish(entry.sourceTopic, entry.key, entry.record, { replay: String(entry.id) });
      outcome = { id: entry.id, stage: entry.stage, topic: entry.sourceTopic, key: entry.key };
    }
    // Marked after the publish resolved: a crash in between replays it again, which the ledger absorbs.
    await index.markReplayed(entry.id);
    logger.info({ id: entry.id, stage: entry.stage, topic: outcome.topic }, 'dead letter replayed');
    return outcome;
  }
}
