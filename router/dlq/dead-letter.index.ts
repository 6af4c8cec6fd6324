import { createHash } from 'node:crypto';
import type { DeadLetter } from '../../contracts/delivery.js';
import type { Queryable, SqlParam } from '../../platform/store/store.port.js';

/** One indexed dead letter, as the CLI and the admin API show it. */
export interface DeadLetterEntry {
  id: number;
  stage: DeadLetter['stage'];
  destination?: string;
  key: string;
  code: string;
  reason: string;
  response?: unknown;
  record: unknown;
  sourceTopic: string;
  failedAt: string;
  createdAt: string;
  replayedAt?: string;
  replayCount: number;
}

export interface DeadLetterFilter {
  destination?: string;
  /** ISO-8601: letters recorded at or after this time. */
  since?: string;
  /** Include letters already replayed (listing shows them; bulk replay skips them). */
  includeReplayed?: boolean;
  limit?: number;
}

interface Row extends Record<string, unknown> {
  id: string | number;
  stage: DeadLetter['stage'];
  destination: string | null;
  key: string;
  code: string;
  reason: string;
  response: unknown;
  record: unknown;
  source_topic: string;
  failed_at: Date | string;
  created_at: Date | string;
  replayed_at: Date | string | null;
  replay_count: number;
}

/**
 * The DLQ index (`dead_letters`, migration 006): what `leads.dlq.v1` holds, queryable. Recording is
 * idempotent (a fingerprint of the letter is unique), so the at-least-once DLQ consumer may see a
 * letter twice and still list it once.
 */
export class DeadLetterIndex {
  constructor(private readonly store: Queryable) {}

  /** Returns true when the letter was new. */
  async record(letter: DeadLetter): Promise<boolean> {
    const fingerprint = createHash('sha256').update(JSON.stringify(letter)).digest('hex');
    const rows = await this.store.query(
      `insert into dead_letters (fingerprint, stage, destination, key, code, reason, response, record, source_topic, failed_at)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) on conflict (fingerprint) do nothing returning id`,
      [
        fingerprint,
        letter.stage,
        letter.destinationId ?? null,
        letter.key,
        letter.code,
        letter.reason,
        letter.response === undefined ? null : JSON.stringify(letter.response),
        JSON.stringify(letter.record ?? null),
        letter.sourceTopic,
        new Date(letter.failedAt),
      ],
    );
    return rows.length > 0;
  }

  async list(filter: DeadLetterFilter = {}): Promise<DeadLetterEntry[]> {
    const where: string[] = [];
    const params: SqlParam[] = [];
    if (filter.destination) {
      params.push(filter.destination);
      where.push(`destination = $${params.length}`);
    }
    if (filter.since) {
      params.push(new Date(filter.since));
      where.push(`created_at >= $${params.length}`);
    }
    if (!filter.includeReplayed) where.push('replayed_at is null');
    params.push(Math.min(filter.limit ?? 100, 10_000));
    const sql = `select * from dead_letters ${where.length ? `where ${where.join(' and ')}` : ''} order by id limit $${params.length}`;
    return (await this.store.query<Row>(sql, params)).map(toEntry);
  }

  async get(id: number): Promise<DeadLetterEntry | undefined> {
    const rows = await this.store.query<Row>('select * from dead_letters where id = $1', [id]);
    return rows[0] ? toEntry(rows[0]) : undefined;
  }

  async markReplayed(id: number): Promise<void> {
    await this.store.query('update dead_letters set replayed_at = now(), replay_count = replay_count + 1 where id = $1', [id]);
  }
}

function iso(value: Date | string): string {
  return new Date(value).toISOString();
}

function toEntry(r: Row): DeadLetterEntry {
  return {
    id: Number(r.id),
    stage: r.stage,
    ...(r.destination ? { destination: r.destination } : {}),
    key: r.key,
    code: r.code,
    reason: r.reason,
    ...(r.response !== null && r.response !== undefined ? { response: r.response } : {}),
    record: r.record,
    sourceTopic: r.source_topic,
    failedAt: iso(r.failed_at),
    createdAt: iso(r.created_at),
    ...(r.replayed_at ? { replayedAt: iso(r.replayed_at) } : {}),
    replayCount: r.replay_count,
  };
}
