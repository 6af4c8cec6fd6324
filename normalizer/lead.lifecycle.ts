import type { CloseResult } from '../contracts/identity-admin.js';
import type { Queryable } from '../platform/store/store.port.js';

interface LeadStatusRow extends Record<string, unknown> {
  status: string;
  closed_at: Date | string | null;
  closed_reason: string | null;
}

function closed(row: LeadStatusRow, alreadyClosed: boolean): CloseResult {
  return { found: true, alreadyClosed, closedAt: new Date(row.closed_at ?? Date.now()).toISOString(), ...(row.closed_reason ? { reason: row.closed_reason } : {}) };
}

/**
 * Marks a lead closed (the CRM says the deal is done or lost). A closed lead is not open and not
 * mergeable, so the contact's next request opens a new lead. Idempotent: closing twice keeps the first
 * time and reason. A single conditional UPDATE, so two concurrent closes cannot both claim to be first.
 */
export async function closeLead(q: Queryable, leadId: string, reason?: string): Promise<CloseResult> {
  const [updated] = await q.query<LeadStatusRow>(
    `update leads set status = 'closed', mergeable = false, closed_at = now(), closed_reason = $2
     where id = $1 and status <> 'closed' returning status, closed_at, closed_reason`,
    [leadId, reason ?? null],
  );
  if (updated) return closed(updated, false);
  const [row] = await q.query<LeadStatusRow>('select status, closed_at, closed_reason from leads where id = $1', [leadId]);
  return row ? closed(row, true) : { found: false };
}
