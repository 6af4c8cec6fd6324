import type { LeadV1 } from '../contracts/lead.js';
import type { Queryable, Store } from '../platform/store/store.port.js';
import { withTxRetry } from '../platform/store/tx-retry.js';
import { factsOf } from './rules/rule.matcher.js';
import type { RoutingDecision, RoutingEngine } from './rules/routing.engine.js';
import { StoreRoutingState } from './rules/routing.state.js';
import { createSlaTimer, createSlaTimers, type NewSlaTimer } from './sla/sla.timers.js';

interface LeadOwnerRow extends Record<string, unknown> {
  owner_id: string | null;
  contact_owner: string | null;
}

export interface Assignment {
  ownerId: string;
  /** The contact's owner after this assignment (differs from `ownerId` when a non-sticky rule routed the lead elsewhere). */
  contactOwnerId: string;
  /** True only for the call that gave the lead its owner: a redelivery or an activity gets false. */
  fresh: boolean;
  /** How the owner was chosen (fresh assignments only). */
  decision?: RoutingDecision;
}

/**
 * Gives a lead its owner, once: a lead that already has one keeps it (redelivery, activity); otherwise
 * the routing rules decide (routing.engine.ts). Everything happens in one transaction that first locks the
 * lead's row, so two routers handed the same record settle on one owner and move a rotation counter
 * once; the lead's SLA timer is created in the same transaction, so it exists exactly when the owner does.
 */
export class OwnerAssigner {
  constructor(
    private readonly store: Store,
    private readonly engine: RoutingEngine,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async assign(lead: LeadV1): Promise<Assignment> {
    return withTxRetry(this.store, (q) => this.assignIn(q, lead));
  }

  /**
   * The leads of a batch assigned in one transaction, in the given (log) order, each exactly as `assign`
   * would. The leads' rows are locked first in id order, so two routers whose batches share leads queue
   * instead of deadlocking.
   */
  async assignAll(leads: readonly LeadV1[]): Promise<Assignment[]> {
    const ids = [...new Set(leads.map((l) => l.leadId))].sort();
    return withTxRetry(this.store, async (q) => {
      if (this.store.kind === 'postgres') await q.query('select id from leads where id = any($1::text[]) order by id for update', [ids]);
      const out: Assignment[] = [];
      // Nothing in an assignment reads lead_sla, so the batch's timers go in with one statement at the end.
      const timers: NewSlaTimer[] = [];
      for (const lead of leads) out.push(await this.assignIn(q, lead, timers));
      await createSlaTimers(q, timers);
      return out;
    });
  }

  /** `assign`'s statements inside the caller's transaction; with `timers`, the SLA timer is collected there instead of inserted. */
  async assignIn(q: Queryable, lead: LeadV1, timers?: NewSlaTimer[]): Promise<Assignment> {
    const [row] = await q.query<LeadOwnerRow>(
      'select l.owner_id, c.owner_id as contact_owner from leads l join contacts c on c.id = l.contact_id where l.id = $1 for update of l',
      [lead.leadId],
    );
    if (row?.owner_id) return { ownerId: row.owner_id, contactOwnerId: row.contact_owner ?? row.owner_id, fresh: false };
    const now = this.clock();
    const contactOwnerId = row?.contact_owner ?? lead.contact.ownerId;
    const facts = { ...factsOf(lead), ...(contactOwnerId ? { contactOwnerId } : {}) };
    const state = new StoreRoutingState(q);
    const rule = this.engine.ruleFor(facts, now);
    if (rule && this.engine.countsOpenLeads(rule)) await state.lockOwners(this.engine.poolOf(rule));
    const decision = await this.engine.decide(facts, state, now);
    const [stored] = await q.query<{ owner_id: string | null }>(
      'update leads set owner_id = coalesce(owner_id, $2) where id = $1 returning owner_id',
      [lead.leadId, decision.ownerId],
    );
    const ownerId = stored?.owner_id ?? decision.ownerId;
    const [contact] = await q.query<{ owner_id: string }>('update contacts set owner_id = coalesce(owner_id, $2) where id = $1 returning owner_id', [lead.contact.id, ownerId]);
    if (lead.type === 'lead.created') {
      const createdAt = new Date(lead.normalizedAt);
      const timer = { leadId: lead.leadId, ownerId, ruleId: decision.ruleId, createdAt, ...(decision.slaMinutes !== undefined ? { slaMinutes: decision.slaMinutes } : {}) };
      if (timers) timers.push(timer);
      else await createSlaTimer(q, timer);
    }
    return { ownerId, contactOwnerId: contact?.owner_id ?? ownerId, fresh: true, decision };
  }
}
