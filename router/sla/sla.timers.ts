import type { Queryable, Store } from '../../platform/store/store.port.js';

/**
 * `lead_sla` rows: one per routed lead. `pending` with a `due_at` is a running first-response timer;
 * `none` records a lead whose rule sets no deadline (its first response is still measured);
 * `responded` and `breached` are final, except that a breached lead may still report its first response.
 */
export type SlaStatus = 'pending' | 'none' | 'responded' | 'breached';

export interface SlaTimerRow extends Record<string, unknown> {
  lead_id: string;
  owner_id: string;
  rule_id: string;
  due_at: Date | string | null;
  escalation_level: number;
}

export interface NewSlaTimer {
  leadId: string;
  ownerId: string;
  ruleId: string;
  createdAt: Date;
  slaMinutes?: number;
}

/** Created in the assignment's transaction; a redelivered `lead.created` finds it and changes nothing. */
export async function createSlaTimer(q: Queryable, timer: NewSlaTimer): Promise<void> {
  await createSlaTimers(q, [timer]);
}

/** `createSlaTimer` for a batch's timers with one statement (the batch router's transaction). */
export async function createSlaTimers(q: Queryable, timers: readonly NewSlaTimer[]): Promise<void> {
  if (timers.length === 0) return;
  const rows = timers.map((timer) => {
    const createdAt = Number.isNaN(timer.createdAt.getTime()) ? new Date() : timer.createdAt;
    // '' stands for no deadline: the driver's array parameters carry no nulls.
    const dueAt = timer.slaMinutes !== undefined ? new Date(createdAt.getTime() + timer.slaMinutes * 60_000) : null;
    return { lead_id: timer.leadId, owner_id: timer.ownerId, rule_id: timer.ruleId, created_at: createdAt.toISOString(), due_at: dueAt?.toISOString() ?? '', status: dueAt ? 'pending' : 'none' };
  });
  await q.query(
    `insert into lead_sla (lead_id, owner_id, rule_id, created_at, due_at, status)
     select lead_id, owner_id, rule_id, created_at, nullif(due_at, '')::timestamptz, status
     from unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::text[], $6::text[]) as t(lead_id, owner_id, rule_id, created_at, due_at, status)
     on conflict (lead_id) do nothing`,
    [rows.map((r) => r.lead_id), rows.map((r) => r.owner_id), rows.map((r) => r.rule_id), rows.map((r) => r.created_at), rows.map((r) => r.due_at), rows.map((r) => r.status)],
  );
}

export interface FirstResponse {
  leadId: string;
  ownerId: string;
  ruleId: string;
  respondedAt: string;
  seconds: number;
  /** True when an earlier call had already recorded it; the figures are the first call's. */
  alreadyRecorded: boolean;
  /** Whether the deadline had been missed before the response. */
  breached: boolean;
}

interface ResponseRow extends Record<string, unknown> {
  owner_id: string;
  rule_id: string;
  responded_at: Date | string;
  response_seconds: number;
  status: SlaStatus;
  escalation_level: number;
}

/** Stops the lead's timer and records the time to first response, once; undefined when the lead was never routed. */
export async function recordFirstResponse(store: Store, leadId: string, at: Date): Promise<FirstResponse | undefined> {
  return store.tx(async (q) => {
    const updated = await q.query<ResponseRow>(
      `update lead_sla set
         status = case when status in ('pending', 'none') then 'responded' else status end,
         responded_at = $2,
         response_seconds = greatest(0, extract(epoch from ($2::timestamptz - created_at)))
       where lead_id = $1 and responded_at is null
       returning owner_id, rule_id, responded_at, response_seconds, status, escalation_level`,
      [leadId, at],
    );
    const fresh = updated.length > 0;
    const rows = fresh
      ? updated
      : await q.query<ResponseRow>('select owner_id, rule_id, responded_at, response_seconds, status, escalation_level from lead_sla where lead_id = $1', [leadId]);
    const row = rows[0];
    if (!row) return undefined;
    return {
      leadId,
      ownerId: row.owner_id,
      ruleId: row.rule_id,
      respondedAt: new Date(row.responded_at).toISOString(),
      seconds: Number(row.response_seconds),
      alreadyRecorded: !fresh,
      breached: row.status === 'breached' || row.escalation_level > 0,
    };
  });
}

/**
 * Claims up to `limit` due timers for this transaction. `skip locked`: a second router's loop passes over
 * rows this one holds instead of waiting and then firing them again.
 */
export async function claimDueTimers(q: Queryable, now: Date, limit: number): Promise<SlaTimerRow[]> {
  return q.query<SlaTimerRow>(
    `select lead_id, owner_id, rule_id, due_at, escalation_level from lead_sla
     where status = 'pending' and due_at <= $1
     order by due_at limit $2
     for update skip locked`,
    [now, limit],
  );
}
