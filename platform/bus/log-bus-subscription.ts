import { retry, sharedAbortController, unlessAborted } from '../retry.js';
import type { Logger } from '../telemetry/logger.js';
import type { Store } from '../store/store.port.js';
import type { BusBatchHandler, BusHandler, BusRecord, Subscription } from './bus.port.js';

export interface LogSubscriptionOptions {
  store: Store;
  logger: Logger;
  topic: string;
  group: string;
  /** Per record (keys concurrently), or `batch`: each fetched batch whole, in slices of `maxRecords`. */
  handler: BusHandler | { batch: BusBatchHandler; maxRecords: number };
  /** Identifies this subscriber in `bus_consumers`; unique per subscription. */
  owner: string;
  fromBeginning: boolean;
  batchSize: number;
  pollIntervalMs: number;
  leaseMs: number;
  /** Keys handled at once within a batch. */
  keyConcurrency: number;
  retryInitialMs: number;
}

interface LogRow extends Record<string, unknown> {
  seq: string;
  key: string;
  value: unknown;
  headers: Record<string, string>;
  ts: number;
}

/**
 * One consumer of (group, topic) on the embedded log.
 *
 * Exclusivity: a subscriber consumes only while it holds the lease row in `bus_consumers`, renewed
 * every leaseMs/3; a second subscriber of the same group (this process or another one on the same
 * PostgreSQL) waits and takes over when the lease is released by `stop()` or expires after a crash.
 * The offset commit re-checks the lease in the same transaction, so a subscriber that lost its lease
 * (stalled past leaseMs) cannot move the offset: its records are redelivered, never skipped.
 */
export class LogSubscription implements Subscription {
  private readonly abort = sharedAbortController();
  /** Aborted at the stop deadline: running handlers are no longer waited for. */
  private readonly cut = sharedAbortController();
  private stopping: Promise<void> | undefined;
  private loopDone: Promise<void> = Promise.resolve();
  private heartbeat: NodeJS.Timeout | undefined;
  private leaseHeld = false;
  private offset = '0';
  private woken = false;
  private wakeUp: (() => void) | undefined;

  constructor(private readonly o: LogSubscriptionOptions) {}

  async start(): Promise<void> {
    // Registers the group so retention waits for it; a new group starts at 0 or at the current end.
    const start = this.o.fromBeginning ? '0' : `coalesce((select max(seq) from bus_log where topic = $2), 0)`;
    await this.o.store.query(`insert into bus_offsets (grp, topic, seq) values ($1, $2, ${start}) on conflict (grp, topic) do nothing`, [
      this.o.group,
      this.o.topic,
    ]);
    this.heartbeat = setInterval(() => void this.renew(), Math.max(50, Math.floor(this.o.leaseMs / 3)));
    this.heartbeat.unref();
    this.loopDone = this.loop();
  }

  /** Called on in-process publishes to this topic, so a record is picked up without waiting for the poll. */
  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  stop(deadline?: AbortSignal): Promise<void> {
    const cutNow = (): void => this.cut.abort(deadline?.reason);
    if (deadline?.aborted) cutNow();
    else deadline?.addEventListener('abort', cutNow, { once: true });
    this.stopping ??= (async () => {
      this.abort.abort(new Error('subscription stopped'));
      this.wake();
      await this.loopDone;
      deadline?.removeEventListener('abort', cutNow);
      clearInterval(this.heartbeat);
      if (this.leaseHeld) {
        this.leaseHeld = false;
        await this.o.store
          .query('delete from bus_consumers where grp = $1 and topic = $2 and owner = $3', [this.o.group, this.o.topic, this.o.owner])
          .catch((err: unknown) => this.o.logger.warn({ err, topic: this.o.topic, group: this.o.group }, 'bus.lease_release_failed'));
      }
    })();
    return this.stopping;
  }

  private get stopped(): boolean {
    return this.abort.signal.aborted;
  }

  private async loop(): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      try {
        if (!this.leaseHeld && !(await this.acquire())) {
          // Someone else consumes this group; try again at a calmer pace than the record poll.
          await this.idle(Math.max(this.o.pollIntervalMs, 1000));
          continue;
        }
        this.woken = false;
        const rows = await this.o.store.query<LogRow>(
          `select seq, key, value, headers, (extract(epoch from created_at) * 1000)::float8 as ts
           from bus_log where topic = $1 and seq > $2 order by seq limit $3`,
          [this.o.topic, this.offset, this.o.batchSize],
        );
        if (rows.length === 0) {
          await this.idle(this.o.pollIntervalMs);
          continue;
        }
        const done = await this.process(rows);
        if (done !== undefined) await this.commit(done);
        failures = 0;
      } catch (err) {
        failures++;
        this.o.logger.warn({ err, topic: this.o.topic, group: this.o.group }, 'bus.poll_failed');
        await this.idle(Math.min(30_000, this.o.pollIntervalMs * 2 ** Math.min(failures, 8)));
      }
    }
  }

  private idle(ms: number): Promise<void> {
    if (this.woken || this.stopped) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = done;
    }).then(() => {
      this.wakeUp = undefined;
    });
  }

  /**
   * Keys run concurrently (bounded), each key's records strictly in order; a failing handler is retried
   * until it succeeds or the subscription stops (the poison guard above the bus is what bounds a record:
   * bus.port.ts). Returns the highest seq below which every record of
   * the batch finished, which is all that may be committed.
   */
  private async process(rows: LogRow[]): Promise<string | undefined> {
    const { handler } = this.o;
    if (typeof handler !== 'function') return this.processSlices(rows, handler.batch, handler.maxRecords);
    const byKey = new Map<string, LogRow[]>();
    for (const row of rows) {
      const list = byKey.get(row.key);
      if (list === undefined) byKey.set(row.key, [row]);
      else list.push(row);
    }
    const finished = new Set<string>();
    const keys = [...byKey.values()];
    const worker = async (): Promise<void> => {
      for (let list = keys.shift(); list !== undefined; list = keys.shift()) {
        for (const row of list) {
          if (this.stopped) return;
          const record = this.toRecord(row);
          try {
            const handled = retry(() => handler(record), {
              retries: Infinity,
              initialMs: this.o.retryInitialMs,
              maxMs: 30_000,
              signal: this.abort.signal,
              onRetry: (err, attempt) => {
                this.o.logger.warn({ err, topic: this.o.topic, group: this.o.group, offset: row.seq, attempt }, 'bus.handler_failed');
              },
            });
            await unlessAborted(handled, this.cut.signal);
          } catch {
            // Only a stop ends the retries (or its deadline the wait): leave this key's remaining records
            // uncommitted for the next consumer.
            if (this.cut.signal.aborted) this.o.logger.warn({ topic: this.o.topic, group: this.o.group, offset: row.seq }, 'bus.handler_abandoned_at_deadline');
            break;
          }
          finished.add(row.seq);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.o.keyConcurrency, keys.length) }, worker));
    let done: string | undefined;
    for (const row of rows) {
      if (!finished.has(row.seq)) break;
      done = row.seq;
    }
    return done;
  }

  /** A batch handler gets the rows in seq order, `maxRecords` at a time, each slice retried whole. */
  private async processSlices(rows: LogRow[], handler: BusBatchHandler, maxRecords: number): Promise<string | undefined> {
    let done: string | undefined;
    const size = Math.max(1, maxRecords);
    for (let from = 0; from < rows.length && !this.stopped; from += size) {
      const slice = rows.slice(from, from + size).map((row) => this.toRecord(row));
      try {
        const handled = retry(() => handler(slice), {
          retries: Infinity,
          initialMs: this.o.retryInitialMs,
          maxMs: 30_000,
          signal: this.abort.signal,
          onRetry: (err, attempt) => {
            this.o.logger.warn({ err, topic: this.o.topic, group: this.o.group, offset: slice[0].offset, records: slice.length, attempt }, 'bus.batch_handler_failed');
          },
        });
        await unlessAborted(handled, this.cut.signal);
      } catch {
        // As for single records: the slice stays uncommitted and comes back to the next consumer.
        if (this.cut.signal.aborted) this.o.logger.warn({ topic: this.o.topic, group: this.o.group, offset: slice[0].offset }, 'bus.handler_abandoned_at_deadline');
        break;
      }
      done = slice[slice.length - 1].offset;
    }
    return done;
  }

  private toRecord(row: LogRow): BusRecord {
    return { topic: this.o.topic, key: row.key, value: row.value, headers: row.headers, offset: row.seq, partition: 0, timestamp: Math.round(row.ts) };
  }

  private async commit(seq: string): Promise<void> {
    const committed = await this.o.store.tx(async (q) => {
      const lease = await q.query(
        `update bus_consumers set expires_at = now() + $4 * interval '1 millisecond'
         where grp = $1 and topic = $2 and owner = $3 returning 1 as held`,
        [this.o.group, this.o.topic, this.o.owner, this.o.leaseMs],
      );
      if (lease.length === 0) return false;
      await q.query(
        `insert into bus_offsets (grp, topic, seq) values ($1, $2, $3)
         on conflict (grp, topic) do update set seq = greatest(bus_offsets.seq, excluded.seq)`,
        [this.o.group, this.o.topic, seq],
      );
      return true;
    });
    if (committed) {
      this.offset = seq;
    } else {
      this.leaseHeld = false;
      this.o.logger.warn({ topic: this.o.topic, group: this.o.group }, 'bus.lease_lost');
    }
  }

  private async acquire(): Promise<boolean> {
    const rows = await this.o.store.query(
      `insert into bus_consumers (grp, topic, owner, expires_at) values ($1, $2, $3, now() + $4 * interval '1 millisecond')
       on conflict (grp, topic) do update set owner = excluded.owner, expires_at = excluded.expires_at
       where bus_consumers.owner = excluded.owner or bus_consumers.expires_at < now()
       returning owner`,
      [this.o.group, this.o.topic, this.o.owner, this.o.leaseMs],
    );
    if (rows.length === 0) return false;
    // A new holder continues from what the previous one committed, not from a stale local position.
    const [row] = await this.o.store.query<{ seq: string }>('select seq from bus_offsets where grp = $1 and topic = $2', [this.o.group, this.o.topic]);
    this.offset = row?.seq ?? '0';
    this.leaseHeld = true;
    return true;
  }

  private async renew(): Promise<void> {
    // Kept up while stopping too: the final commit of a slow handler still needs the lease.
    if (!this.leaseHeld) return;
    try {
      const rows = await this.o.store.query(
        `update bus_consumers set expires_at = now() + $4 * interval '1 millisecond'
         where grp = $1 and topic = $2 and owner = $3 returning 1 as held`,
        [this.o.group, this.o.topic, this.o.owner, this.o.leaseMs],
      );
      if (rows.length === 0 && this.leaseHeld) {
        this.leaseHeld = false;
        this.o.logger.warn({ topic: this.o.topic, group: this.o.group }, 'bus.lease_lost');
      }
    } catch (err) {
      this.o.logger.warn({ err, topic: this.o.topic, group: this.o.group }, 'bus.lease_renew_failed');
    }
  }
}
