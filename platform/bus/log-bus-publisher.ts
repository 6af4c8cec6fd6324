import { LeadgateError } from '../../contracts/errors.js';
import type { Logger } from '../telemetry/logger.js';
import { sqlState } from '../store/tx-retry.js';
import type { Store } from '../store/store.port.js';

/**
 * Held for the length of every publishing transaction on PostgreSQL. `bigserial` values are handed out
 * at insert time, not at commit, so two concurrent publishers could commit seq 11 before seq 10 and a
 * reader that already moved past 11 would skip 10 for good. One writer at a time keeps seq order equal
 * to commit order; group commit keeps that one writer busy with large batches.
 */
const BUS_LOG_WRITE_LOCK = 7_346_201_002;

/** Rows per INSERT: one statement with four array parameters, so the limit is about memory, not placeholders. */
const MAX_ROWS_PER_INSERT = 2000;

const INSERT_SQL = `insert into bus_log (topic, key, value, headers)
select topic, key, value, headers
from unnest($1::text[], $2::text[], $3::jsonb[], $4::jsonb[]) with ordinality as u(topic, key, value, headers, n)
order by n`;

interface Pending {
  topic: string;
  key: string;
  value: string;
  headers: string;
  resolve(): void;
  reject(err: unknown): void;
}

export interface PublisherStats {
  /** Committed flush transactions; publishes / flushes is the group-commit factor. */
  flushes: number;
  records: number;
}

/**
 * Group commit: publishes queue up; one flush at a time writes everything queued in one transaction
 * and settles each publish with the outcome of that commit. Publishes arriving during a flush wait
 * for the next one, so the batch grows with the load and an idle bus still answers at once.
 */
export class LogBusPublisher {
  readonly stats: PublisherStats = { flushes: 0, records: 0 };
  private queue: Pending[] = [];
  private running = false;
  private idle: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: Store,
    private readonly logger: Logger,
    private readonly onCommitted: (topics: ReadonlySet<string>) => void,
  ) {}

  publish(topic: string, key: string, value: unknown, headers: Record<string, string>): Promise<void> {
    let json: string | undefined;
    try {
      json = JSON.stringify(value);
    } catch (err) {
      return Promise.reject(new LeadgateError('VALIDATION_FAILED', 'Bus record value is not JSON-serializable', { cause: err }));
    }
    if (json === undefined) return Promise.reject(new LeadgateError('VALIDATION_FAILED', 'Bus record value is not JSON-serializable'));
    const encoded = json;
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ topic, key, value: encoded, headers: JSON.stringify(headers), resolve, reject });
      if (!this.running) {
        this.running = true;
        // Started on the microtask queue so publishes issued in the same tick share the first flush.
        this.idle = new Promise<void>((done) => queueMicrotask(() => void this.drain().then(done)));
      }
    });
  }

  /** Resolves once everything queued so far has been flushed (committed or rejected). */
  async drained(): Promise<void> {
    while (this.running) await this.idle;
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue;
      this.queue = [];
      await this.flush(batch);
    }
    // Cleared with no await after the emptiness check, so a publish can never find `running` stale.
    this.running = false;
  }

  private async flush(batch: Pending[]): Promise<void> {
    try {
      await this.store.tx(async (q) => {
        if (this.store.kind === 'postgres') await q.query('select pg_advisory_xact_lock($1)', [BUS_LOG_WRITE_LOCK]);
        for (let i = 0; i < batch.length; i += MAX_ROWS_PER_INSERT) {
          const chunk = batch.slice(i, i + MAX_ROWS_PER_INSERT);
          await q.query(INSERT_SQL, [chunk.map((p) => p.topic), chunk.map((p) => p.key), chunk.map((p) => p.value), chunk.map((p) => p.headers)]);
        }
      });
    } catch (err) {
      // A data error (class 22, e.g. a \u0000 that jsonb refuses) belongs to one record: isolate it
      // instead of failing every publisher that happened to share the transaction.
      if (sqlState(err)?.startsWith('22')) {
        if (batch.length > 1) {
          for (const p of batch) await this.flush([p]);
          return;
        }
        batch[0]?.reject(new LeadgateError('VALIDATION_FAILED', 'The bus refused the record value', { cause: err }));
        return;
      }
      this.logger.warn({ err, records: batch.length }, 'bus.flush_failed');
      const failure = new LeadgateError('BUS_UNAVAILABLE', 'The embedded log could not store the record', { retriable: true, cause: err });
      for (const p of batch) p.reject(failure);
      return;
    }
    this.stats.flushes++;
    this.stats.records += batch.length;
    for (const p of batch) p.resolve();
    this.onCommitted(new Set(batch.map((p) => p.topic)));
  }
}
