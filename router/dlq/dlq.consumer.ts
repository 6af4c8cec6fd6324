import type { Logger } from 'pino';
import type { DeadLetter } from '../../contracts/delivery.js';
import { Topics } from '../../contracts/topics.js';
import type { Bus, BusRecord, Subscription } from '../../platform/bus/bus.port.js';
import type { Metrics } from '../../platform/telemetry/metrics.js';
import type { DeadLetterIndex } from './dead-letter.index.js';
import { classifyFailure } from '../../platform/bus/failure-class.js';
import { storableCopy } from '../../platform/dead-letter.js';

/**
 * Records every dead letter of `leads.dlq.v1` in the DLQ index. Runs with the router role, in its own
 * consumer group; commits only after the row is written, so no letter is missed, and the index ignores
 * the repeats at-least-once delivery brings.
 */
export class DeadLetterRecorder {
  private subscription: Subscription | undefined;

  constructor(private readonly deps: { bus: Bus; index: DeadLetterIndex; metrics: Metrics; logger: Logger; group?: string }) {}

  async start(): Promise<void> {
    this.subscription ??= await this.deps.bus.subscribe(Topics.dlq, this.deps.group ?? 'leadgate-dlq-index', (r) => this.handle(r));
  }

  async stop(deadline?: AbortSignal): Promise<void> {
    await this.subscription?.stop(deadline);
    this.subscription = undefined;
  }

  async handle(record: BusRecord): Promise<void> {
    const value = record.value as Partial<DeadLetter> | null;
    if (!value || value.v !== 1 || !value.stage || !value.sourceTopic) {
      this.deps.logger.error({ key: record.key, offset: record.offset }, 'malformed dead letter skipped');
      return;
    }
    const letter: DeadLetter = {
      v: 1,
      stage: value.stage,
      code: value.code ?? 'INTERNAL',
      reason: value.reason ?? '',
      failedAt: value.failedAt ?? new Date(record.timestamp).toISOString(),
      sourceTopic: value.sourceTopic,
      key: value.key ?? record.key,
      record: value.record,
      ...(value.destinationId ? { destinationId: value.destinationId } : {}),
      ...(value.response ? { response: value.response } : {}),
    };
    if (await this.recordStorable(letter)) {
      this.deps.metrics.deadLettersIndexed.inc({ stage: letter.stage, destination: letter.destinationId ?? '' });
    }
  }

  /**
   * A letter the store refuses for its content (the poison that was parked, e.g. a lone surrogate that
   * Kafka carried but jsonb does not take) is indexed with a storable copy of the record rather than not at all.
   */
  private async recordStorable(letter: DeadLetter): Promise<boolean> {
    try {
      return await this.deps.index.record(letter);
    } catch (err) {
      if (classifyFailure(err).kind !== 'permanent') throw err;
      return this.deps.index.record({ ...letter, reason: storableCopy(letter.reason) as string, record: storableCopy(letter.record), recordAltered: true });
    }
  }
}
