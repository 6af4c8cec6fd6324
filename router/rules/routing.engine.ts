import { LeadgateError } from '../../contracts/errors.js';
import { matches, type LeadFacts } from './rule.matcher.js';
import type { EscalationAction, OwnerConfig, RoutingRule, RoutingStrategy } from './routing.config.js';
import { assertTimezone, withinHours } from './time-window.js';

/**
 * What the engine needs from the world. Implemented over the store (routing.state.ts), bound to the
 * assignment's transaction, and in memory by the unit tests.
 */
export interface RoutingState {
  /** Availability switched through the admin API; owners without an entry use their config. */
  availability(ownerIds: readonly string[]): Promise<Map<string, boolean>>;
  /** Open leads per owner (owners with none may be missing). */
  openLeads(ownerIds: readonly string[]): Promise<Map<string, number>>;
  /** The next value, from 1, of a shared rotation counter; a dry run peeks without moving it. */
  tick(key: string): Promise<number>;
}

export type SkipReason = 'unavailable' | 'off_hours' | 'at_capacity' | 'unknown_owner';

export interface RoutingDecision {
  ownerId: string;
  /** The matched rule, `default` (no rules configured or none matched and no fallback) or `fallback`. */
  ruleId: string;
  strategy: RoutingStrategy | 'fallback';
  /** Why this owner: the strategy's pick, the contact's owner, or the fallback. */
  reason: 'strategy' | 'sticky' | 'fallback' | 'pool_exhausted';
  slaMinutes?: number;
  escalation?: EscalationAction[];
  /** Owners of the pool that could not take the lead, and why. */
  skipped: { ownerId: string; reason: SkipReason }[];
}

export const defaultRuleId = 'default';
const fallbackRuleId = 'fallback';

/**
 * Turns a lead's facts into an owner: the first matching rule picks a pool and a strategy; owners who are
 * switched off, outside their working hours or full are skipped; with nobody left (or no rule matching)
 * the fallback owner gets the lead. Without a fallback the lead still gets an owner: the default pool
 * (no match) or the rule's pool regardless of availability (pool exhausted), so nothing is left unowned.
 */
export class RoutingEngine {
  private readonly owners: Map<string, OwnerConfig>;
  private readonly defaultRule: RoutingRule;

  constructor(
    private readonly config: { owners: readonly OwnerConfig[]; rules: readonly RoutingRule[]; fallbackOwner?: string },
    private readonly clock: () => Date = () => new Date(),
  ) {
    this.owners = new Map(config.owners.map((o) => [o.id, o]));
    // The counter key `default` is the one the pre-rules assigner used, so an upgrade keeps its rotation.
    this.defaultRule = { id: defaultRuleId, match: {}, pool: config.owners.map((o) => o.id), strategy: 'sticky' };
    for (const owner of config.owners) if (owner.hours) assertTimezone(owner.hours.timezone);
    for (const rule of config.rules) {
      const unknown = rule.pool.filter((id) => !this.owners.has(id));
      if (unknown.length > 0) throw new LeadgateError('CONFIG_INVALID', `routing rule "${rule.id}" names unknown owners: ${unknown.join(', ')}`);
      if (rule.strategy !== 'sticky' && rule.pool.length === 0) throw new LeadgateError('CONFIG_INVALID', `routing rule "${rule.id}" needs a pool`);
      if (rule.match.time) assertTimezone(rule.match.time.timezone);
    }
  }

  /** The first rule whose conditions hold, or undefined. */
  matchRule(facts: LeadFacts, now = this.clock()): RoutingRule | undefined {
    return this.config.rules.find((r) => matches(r.match ?? {}, facts, now));
  }

  rule(id: string): RoutingRule | undefined {
    return id === defaultRuleId ? this.defaultRule : this.config.rules.find((r) => r.id === id);
  }

  /** Whether picking from this rule's pool reads open-lead counts, so the caller must lock the pool first. */
  countsOpenLeads(rule: RoutingRule): boolean {
    return rule.strategy === 'least_open_leads' || this.poolOf(rule).some((id) => this.owners.get(id)?.capacity !== undefined);
  }

  /** The rule a lead would take; `decide` goes on from here (split so the caller can lock in between). */
  ruleFor(facts: LeadFacts, now = this.clock()): RoutingRule | undefined {
    const rule = this.matchRule(facts, now);
    if (rule) return rule;
    return this.config.fallbackOwner && this.config.rules.length > 0 ? undefined : this.defaultRule;
  }

  poolOf(rule: RoutingRule): string[] {
    return rule.pool.length > 0 ? rule.pool : [...this.owners.keys()];
  }

  async decide(facts: LeadFacts, state: RoutingState, now = this.clock()): Promise<RoutingDecision> {
    const rule = this.ruleFor(facts, now);
    if (!rule) return this.fallback([]);
    const sla = { ...(rule.slaMinutes !== undefined ? { slaMinutes: rule.slaMinutes } : {}), ...(rule.escalation ? { escalation: rule.escalation } : {}) };
    const pool = this.poolOf(rule);
    const { eligible, skipped } = await this.eligible(pool, state, now, rule.strategy === 'least_open_leads');
    const base = { ruleId: rule.id, strategy: rule.strategy, skipped, ...sla };

    if (rule.strategy === 'sticky' && facts.contactOwnerId && this.owners.has(facts.contactOwnerId)) {
      const own = await this.eligible([facts.contactOwnerId], state, now);
      if (own.eligible.length === 1) return { ...base, ownerId: facts.contactOwnerId, reason: 'sticky' };
    }
    if (eligible.length === 0) {
      if (this.config.fallbackOwner) return { ...this.fallback(skipped), ...sla };
      // Nobody can take it and there is no fallback: still give it an owner rather than leave it unowned.
      const n = await state.tick(`rule:${rule.id}`);
      return { ...base, ownerId: pool[(n - 1) % pool.length], reason: 'pool_exhausted' };
    }
    const ownerId = await this.pick(rule, eligible, state);
    return { ...base, ownerId, reason: 'strategy' };
  }

  /** For SLA escalation: another eligible owner of the rule's pool, in rotation; undefined when nobody else can. */
  async nextOwner(ruleId: string, currentOwner: string, state: RoutingState, now = this.clock()): Promise<string | undefined> {
    const rule = this.rule(ruleId);
    if (!rule) return undefined;
    const { eligible } = await this.eligible(this.poolOf(rule).filter((id) => id !== currentOwner), state, now);
    if (eligible.length === 0) return undefined;
    const n = await state.tick(`escalate:${rule.id}`);
    return eligible[(n - 1) % eligible.length].id;
  }

  private fallback(skipped: RoutingDecision['skipped']): RoutingDecision {
    return { ownerId: this.config.fallbackOwner as string, ruleId: fallbackRuleId, strategy: 'fallback', reason: 'fallback', skipped };
  }

  /** `eligible` is never empty and keeps pool order. */
  private async pick(rule: RoutingRule, eligible: { id: string; open: number }[], state: RoutingState): Promise<string> {
    const ids = eligible.map((e) => e.id);
    const key = rule.id === defaultRuleId ? defaultRuleId : `rule:${rule.id}`;
    switch (rule.strategy) {
      case 'fixed':
        // The pool is a priority list: its first owner who can take the lead (later entries are stand-ins).
        return ids[0];
      case 'least_open_leads':
        // Ties go to pool order: deterministic, and the pool lock makes the counts current.
        return eligible.reduce((best, e) => (e.open < best.open ? e : best)).id;
      case 'weighted': {
        const sequence = smoothWeightedSequence(ids.map((id) => ({ id, weight: this.owners.get(id)?.weight ?? 1 })));
        return sequence[((await state.tick(key)) - 1) % sequence.length];
      }
      case 'round_robin':
      case 'sticky':
        return ids[((await state.tick(key)) - 1) % ids.length];
    }
  }

  private async eligible(
    pool: readonly string[],
    state: RoutingState,
    now: Date,
    countAll = false,
  ): Promise<{ eligible: { id: string; open: number }[]; skipped: RoutingDecision['skipped'] }> {
    const switched = await state.availability(pool);
    // least_open_leads compares counts even when nobody has a capacity.
    const needsCounts = countAll || pool.some((id) => this.owners.get(id)?.capacity !== undefined);
    const counts = needsCounts ? await state.openLeads(pool) : new Map<string, number>();
    const eligible: { id: string; open: number }[] = [];
    const skipped: RoutingDecision['skipped'] = [];
    for (const id of pool) {
      const owner = this.owners.get(id);
      const open = counts.get(id) ?? 0;
      if (!owner) skipped.push({ ownerId: id, reason: 'unknown_owner' });
      else if (!(switched.get(id) ?? owner.available ?? true)) skipped.push({ ownerId: id, reason: 'unavailable' });
      else if (owner.hours && !withinHours(now, owner.hours)) skipped.push({ ownerId: id, reason: 'off_hours' });
      else if (owner.capacity !== undefined && open >= owner.capacity) skipped.push({ ownerId: id, reason: 'at_capacity' });
      else eligible.push({ id, open });
    }
    return { eligible, skipped };
  }
}

/**
 * One cycle of smooth weighted round-robin (weights 5,1,1 → a a b a c a a): each owner gets exactly its
 * weight per cycle, spread out rather than in runs, so a shared counter yields exact shares.
 */
export function smoothWeightedSequence(entries: readonly { id: string; weight: number }[]): string[] {
  const total = entries.reduce((s, e) => s + e.weight, 0);
  const current = entries.map(() => 0);
  const out: string[] = [];
  for (let step = 0; step < total; step++) {
    let best = 0;
    for (let i = 0; i < entries.length; i++) {
      current[i] += entries[i].weight;
      if (current[i] > current[best]) best = i;
    }
    current[best] -= total;
    out.push(entries[best].id);
  }
  return out;
}
