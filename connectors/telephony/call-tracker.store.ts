import type { Store } from '../../platform/store/store.port.js';
import type { CallPhase, TelephonyPayload } from './call.model.js';

/** An open call the sweeper found: started before the cut-off, neither ended nor swept. */
export interface StaleCall {
  callId: string;
  provider: string;
  startedAt: string;
  answeredAt?: string;
  last: TelephonyPayload;
}

interface StaleRow extends Record<string, unknown> {
  call_id: string;
  provider: string;
  started_at: Date | string;
  answered_at: Date | string | null;
  last_event: TelephonyPayload | string | null;
}

const iso = (value: Date | string): string => (value instanceof Date ? value : new Date(value)).toISOString();

/**
 * The `telephony_calls` table (migration 003). Writes are single upserts, so two gateways receiving legs
 * of one call, or a provider's duplicates, converge on one row; first-seen times win (`coalesce`).
 */
export class CallTracker {
  constructor(
    private readonly store: Store,
    private readonly connectorId: string,
  ) {}

  /** Records one phase; `at` is the receipt time, so every gateway measures the timeout on one clock family. */
  async record(callId: string, phase: CallPhase, payload: TelephonyPayload, at: Date): Promise<void> {
    if (phase === 'other') return;
    const started = phase === 'start' || phase === 'answer' ? at : null;
    const answered = phase === 'answer' ? at : null;
    const ended = phase === 'end' ? at : null;
    // The end event's body is not needed to close anything; the start/answer body is what a sweep maps.
    // A repeated start (Sipuni sends event 1 twice, a second apart) must not replace the first one's times.
    const last = phase === 'end' ? null : JSON.stringify(payload);
    const keepFirst = phase === 'start';
    await this.store.query(
      `insert into telephony_calls (connector_id, call_id, provider, started_at, answered_at, ended_at, last_event)
       values ($1, $2, $3, $4, $5, $6, $7)
       on conflict (connector_id, call_id) do update set
         started_at = coalesce(telephony_calls.started_at, excluded.started_at),
         answered_at = coalesce(telephony_calls.answered_at, excluded.answered_at),
         ended_at = coalesce(telephony_calls.ended_at, excluded.ended_at),
         last_event = case when $8 then coalesce(telephony_calls.last_event, excluded.last_event)
                           else coalesce(excluded.last_event, telephony_calls.last_event) end,
         updated_at = now()`,
      [this.connectorId, callId, payload.provider, started, answered, ended, last, keepFirst],
    );
  }

  async findStale(startedBefore: Date, limit: number): Promise<StaleCall[]> {
    const rows = await this.store.query<StaleRow>(
      `select call_id, provider, started_at, answered_at, last_event from telephony_calls
       where connector_id = $1 and ended_at is null and swept_at is null and started_at < $2
       order by started_at limit $3`,
      [this.connectorId, startedBefore, limit],
    );
    return rows.flatMap((row) => {
      const last = typeof row.last_event === 'string' ? (JSON.parse(row.last_event) as TelephonyPayload) : row.last_event;
      if (!last) return [];
      const call: StaleCall = { callId: row.call_id, provider: row.provider, startedAt: iso(row.started_at), last };
      if (row.answered_at) call.answeredAt = iso(row.answered_at);
      return [call];
    });
  }

  /** Called only after the synthetic close was durably published, so a crash in between re-sweeps (deduped by key). */
  async markSwept(callId: string, at: Date): Promise<void> {
    await this.store.query('update telephony_calls set swept_at = $3, updated_at = now() where connector_id = $1 and call_id = $2 and swept_at is null', [
      this.connectorId,
      callId,
      at,
    ]);
  }

  /** Forgets closed calls older than `before`; the lead already carries everything they held. */
  async prune(before: Date): Promise<void> {
    await this.store.query(
      'delete from telephony_calls where connector_id = $1 and (ended_at is not null or swept_at is not null) and updated_at < $2',
      [this.connectorId, before],
    );
  }
}
