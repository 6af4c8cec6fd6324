import { randomUUID } from 'node:crypto';
import type { CallbackTask } from '../../contracts/delivery.js';
import type { Queryable, Store } from '../../platform/store/store.port.js';
import { withTxRetry } from '../../platform/store/tx-retry.js';

export type CallbackAction = 'create' | 'update' | 'close';

/** What one call record did to a task; `fresh` is false when the record had been handled before. */
export interface CallbackChange {
  action: CallbackAction;
  task: CallbackTask;
  ownerId: string;
  contactId: string;
  fresh: boolean;
}

interface TaskRow extends Record<string, unknown> {
  id: string;
  contact_id: string;
  phone: string;
  owner_id: string;
  due_at: Date | string;
  attempts: number;
  last_call_at: Date | string;
  status: 'open' | 'closed';
  closed_reason: CallbackTask['closedReason'] | null;
}

const columns = 'id, contact_id, phone, owner_id, due_at, attempts, last_call_at, status, closed_reason';

function toChange(row: TaskRow, action: CallbackAction, attempt: number, fresh: boolean): CallbackChange {
  const task: CallbackTask = {
    taskId: row.id,
    phone: row.phone,
    dueAt: new Date(row.due_at).toISOString(),
    attempts: attempt,
    lastCallAt: new Date(row.last_call_at).toISOString(),
    status: action === 'close' ? 'closed' : 'open',
    ...(action === 'close' && row.closed_reason ? { closedReason: row.closed_reason } : {}),
  };
  return { action, task, ownerId: row.owner_id, contactId: row.contact_id, fresh };
}

/** A record seen before: answer what it did then, so the caller re-sends the same delivery (same key). */
async function replayed(q: Queryable, activityId: string): Promise<CallbackChange | undefined> {
  const [seen] = await q.query<{ task_id: string; action: CallbackAction; attempt: number }>(
    'select task_id, action, attempt from callback_events where activity_id = $1',
    [activityId],
  );
  if (!seen) return undefined;
  const [row] = await q.query<TaskRow>(`select ${columns} from callback_tasks where id = $1`, [seen.task_id]);
  return toChange(row, seen.action, seen.attempt, false);
}

/**
 * Callback tasks in the store. One open task per phone is a partial unique index: two routers handling
 * missed calls from one number at once both try to insert, one hits the index (23505), and
 * `withTxRetry` re-runs its transaction, which now finds the winner's task and counts an attempt on it.
 */
export class CallbackTasks {
  constructor(private readonly store: Store) {}

  /** A missed inbound call: opens the phone's task, or counts another attempt on the open one. */
  missed(call: { activityId: string; leadId: string; contactId: string; phone: string; ownerId: string; callAt: Date; dueMinutes: number }): Promise<CallbackChange> {
    return withTxRetry(this.store, async (q) => {
      const seen = await replayed(q, call.activityId);
      if (seen) return seen;
      const [open] = await q.query<TaskRow>(
        `update callback_tasks set attempts = attempts + 1, last_call_at = greatest(last_call_at, $2)
         where phone = $1 and status = 'open' returning ${columns}`,
        [call.phone, call.callAt],
      );
      if (open) {
        await q.query('insert into callback_events (activity_id, task_id, action, attempt) values ($1, $2, $3, $4)', [call.activityId, open.id, 'update', open.attempts]);
        return toChange(open, 'update', open.attempts, true);
      }
      const dueAt = new Date(call.callAt.getTime() + call.dueMinutes * 60_000);
      const [created] = await q.query<TaskRow>(
        `insert into callback_tasks (id, contact_id, lead_id, phone, owner_id, due_at, attempts, last_call_at, status)
         values ($1, $2, $3, $4, $5, $6, 1, $7, 'open') returning ${columns}`,
        [randomUUID(), call.contactId, call.leadId, call.phone, call.ownerId, dueAt, call.callAt],
      );
      await q.query('insert into callback_events (activity_id, task_id, action, attempt) values ($1, $2, $3, 1)', [call.activityId, created.id, 'create']);
      return toChange(created, 'create', 1, true);
    });
  }

  /** An answered inbound or an outbound call with the number: closes its open task, if any. */
  reached(call: { activityId: string; contactId: string; phones: string[]; reason: 'answered' | 'called_back' }): Promise<CallbackChange | undefined> {
    return withTxRetry(this.store, async (q) => {
      const seen = await replayed(q, call.activityId);
      if (seen) return seen;
      const [closed] = await q.query<TaskRow>(
        `update callback_tasks set status = 'closed', closed_reason = $3, closed_at = now()
         where id = (select id from callback_tasks where status = 'open' and (phone = any($1) or contact_id = $2) order by created_at limit 1 for update)
         returning ${columns}`,
        [call.phones, call.contactId, call.reason],
      );
      if (!closed) return undefined;
      await q.query('insert into callback_events (activity_id, task_id, action, attempt) values ($1, $2, $3, $4)', [call.activityId, closed.id, 'close', closed.attempts]);
      return toChange(closed, 'close', closed.attempts, true);
    });
  }
}
