import type { Queryable } from '../../platform/store/store.port.js';
import type { ParkRequest } from '../destinations/destination.port.js';

export interface ParkState {
  destination: string;
  parked: boolean;
  reason?: string;
  code?: string;
  /** The block lifts by itself at this time (HubSpot DAILY); absent: only an operator resumes. */
  untilMs?: number;
}

interface Row extends Record<string, unknown> {
  destination: string;
  parked: boolean;
  reason: string | null;
  code: string | null;
  parked_until: Date | string | null;
  config_hash: string | null;
}

/** What the resilient wrapper needs of the park state (an in-memory twin serves the unit tests). */
export interface ParkingState {
  get(destination: string): Promise<ParkState>;
  park(destination: string, request: ParkRequest, configHash?: string): Promise<ParkState>;
}

/**
 * The parked flag of each destination, in the store (`destination_state`) so that every router process
 * sees an operator's resume (admin API or CLI in another process) within `refreshMs`, and a restart does
 * not forget a block. A park recorded under another configuration of the destination is cleared at
 * start: changing the config (new token, new webhook) is the other way to resume.
 */
export class DestinationParking implements ParkingState {
  private readonly cache = new Map<string, { state: ParkState; readAt: number }>();

  constructor(private readonly store: Queryable, private readonly refreshMs = 5_000) {}

  async get(destination: string): Promise<ParkState> {
    const cached = this.cache.get(destination);
    if (cached && Date.now() - cached.readAt < this.refreshMs) return this.expire(cached.state);
    const rows = await this.store.query<Row>('select * from destination_state where destination = $1', [destination]);
    const state = rows[0] ? toState(rows[0]) : { destination, parked: false };
    this.cache.set(destination, { state, readAt: Date.now() });
    return this.expire(state);
  }

  async park(destination: string, request: ParkRequest, configHash?: string): Promise<ParkState> {
    await this.store.query(
      `insert into destination_state (destination, parked, reason, code, parked_until, config_hash, updated_at)
       values ($1, true, $2, $3, $4, $5, now())
       on conflict (destination) do update set parked = true, reason = excluded.reason, code = excluded.code,
         parked_until = excluded.parked_until, config_hash = coalesce(excluded.config_hash, destination_state.config_hash), updated_at = now()`,
      [destination, request.reason, request.code, request.untilMs !== undefined ? new Date(request.untilMs) : null, configHash ?? null],
    );
    const state: ParkState = { destination, parked: true, reason: request.reason, code: request.code, ...(request.untilMs !== undefined ? { untilMs: request.untilMs } : {}) };
    this.cache.set(destination, { state, readAt: Date.now() });
    return state;
  }

  /** Resumes a parked destination. Returns false when it was not parked. */
  async resume(destination: string): Promise<boolean> {
    const rows = await this.store.query(
      'update destination_state set parked = false, parked_until = null, updated_at = now() where destination = $1 and parked returning destination',
      [destination],
    );
    this.cache.delete(destination);
    return rows.length > 0;
  }

  /** Clears a park made under a different configuration of the destination (a config reload resumes). */
  async reconcile(destination: string, configHash: string): Promise<void> {
    await this.store.query(
      `update destination_state set parked = false, parked_until = null, updated_at = now()
       where destination = $1 and parked and config_hash is not null and config_hash <> $2`,
      [destination, configHash],
    );
    this.cache.delete(destination);
  }

  async list(): Promise<ParkState[]> {
    const rows = await this.store.query<Row>('select * from destination_state order by destination');
    return rows.map((r) => this.expire(toState(r)));
  }

  private expire(state: ParkState): ParkState {
    if (state.parked && state.untilMs !== undefined && state.untilMs <= Date.now()) return { destination: state.destination, parked: false };
    return state;
  }
}

function toState(row: Row): ParkState {
  return {
    destination: row.destination,
    parked: row.parked,
    ...(row.reason ? { reason: row.reason } : {}),
    ...(row.code ? { code: row.code } : {}),
    ...(row.parked_until ? { untilMs: new Date(row.parked_until).getTime() } : {}),
  };
}
