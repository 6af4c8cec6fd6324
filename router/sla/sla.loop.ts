import axios from 'axios';
import type { Logger } from 'pino';
import type { Queryable, Store } from '../../platform/store/store.port.js';
import { withTxRetry } from '../../platform/store/tx-retry.js';
import { retry, sleep } from '../../platform/retry.js';
import type { Metrics } from '../../platform/telemetry/metrics.js';
import type { EscalationAction, SlaConfig } from '../rules/routing.config.js';
import type { RoutingEngine } from '../rules/routing.engine.js';
import { StoreRoutingState } from '../rules/routing.state.js';
import type { LiveEventPublisher } from './live-event.publisher.js';
import { claimDueTimers, type SlaTimerRow } from './sla.timers.js';

export interface SlaLoopOptions {
  store: Store;
  engine: RoutingEngine;
  events: LiveEventPublisher;
  metrics: Metrics;
  logger: Logger;
  config: SlaConfig;
  clock?: () => Date;
  /** Timers handled per transaction. */
  batchSize?: number;
}

/** One fired timer, as committed: what the notices after the commit report. */
export interface Breach {
  leadId: string;
  ownerId: string;
  ruleId: string;
  dueAt: string;
  level: number;
  actions: EscalationAction[];
  reassignedTo?: string;
  final: boolean;
}

/**
 * The router role's SLA timer loop. Every `pollIntervalMs` it claims due first-response timers (`for
 * update skip locked`, so several routers never fire one twice), escalates each in the same transaction
 * (reassign: another eligible owner of the rule's pool takes the lead; the timer re-arms until
 * `maxEscalations`), commits, then notifies: `sla.breached` on the live stream (and `lead.assigned` for a
 * reassignment) and the configured webhook. Notices are at most once: a crash between the commit and the
 * notice loses the notice, never the breach recorded in `lead_sla`.
 */
export class SlaLoop {
  private readonly abort = new AbortController();
  private running: Promise<void> | undefined;

  constructor(private readonly options: SlaLoopOptions) {}

  start(): void {
    this.running ??= this.loop();
  }

  async stop(): Promise<void> {
    this.abort.abort(new Error('sla loop stopping'));
    await this.running;
  }

  /** Fires every timer due now; returns the breaches it handled. */
  async runOnce(): Promise<Breach[]> {
    const all: Breach[] = [];
    for (;;) {
      const batch = await withTxRetry(this.options.store, (q) => this.fireBatch(q));
      for (const breach of batch) await this.notify(breach);
      all.push(...batch);
      if (batch.length < (this.options.batchSize ?? 50)) return all;
    }
  }

  private async loop(): Promise<void> {
    const { logger, config } = this.options;
    while (!this.abort.signal.aborted) {
      try {
        await this.runOnce();
      } catch (err) {
        // The store may be restarting; the timers wait in it, so the next round fires them.
        logger.warn({ err }, 'sla loop round failed');
      }
      await sleep(config.pollIntervalMs, this.abort.signal).catch(() => undefined);
    }
  }

  private async fireBatch(q: Queryable): Promise<Breach[]> {
    const { engine, config } = this.options;
    const now = (this.options.clock ?? (() => new Date()))();
    const due = await claimDueTimers(q, now, this.options.batchSize ?? 50);
    const breaches: Breach[] = [];
    for (const timer of due) breaches.push(await this.escalate(q, timer, now, engine, config));
    return breaches;
  }

  private async escalate(q: Queryable, timer: SlaTimerRow, now: Date, engine: RoutingEngine, config: SlaConfig): Promise<Breach> {
    const rule = engine.rule(timer.rule_id);
    const actions = rule?.escalation ?? config.escalation;
    const level = timer.escalation_level + 1;
    let ownerId = timer.owner_id;
    let reassignedTo: string | undefined;
    if (actions.includes('reassign')) {
      const state = new StoreRoutingState(q);
      // Same lock as an assignment, so an escalation never hands a full owner one lead too many.
      if (rule && engine.countsOpenLeads(rule)) await state.lockOwners(engine.poolOf(rule));
      reassignedTo = await engine.nextOwner(timer.rule_id, timer.owner_id, state, now);
      if (reassignedTo) {
        await q.query('update leads set owner_id = $2 where id = $1', [timer.lead_id, reassignedTo]);
        // The contact follows only when it belonged to the owner who missed the deadline.
        await q.query('update contacts set owner_id = $3 where id = (select contact_id from leads where id = $1) and owner_id = $2', [timer.lead_id, timer.owner_id, reassignedTo]);
        ownerId = reassignedTo;
      }
    }
    const final = level >= config.maxEscalations || rule?.slaMinutes === undefined;
    const nextDue = final ? null : new Date(now.getTime() + (rule?.slaMinutes ?? 0) * 60_000);
    await q.query(
      `update lead_sla set owner_id = $2, escalation_level = $3, due_at = coalesce($4, due_at),
         status = $5, breached_at = coalesce(breached_at, $6)
       where lead_id = $1`,
      [timer.lead_id, ownerId, level, nextDue, final ? 'breached' : 'pending', now],
    );
    return {
      leadId: timer.lead_id,
      ownerId: timer.owner_id,
      ruleId: timer.rule_id,
      dueAt: new Date(timer.due_at ?? now).toISOString(),
      level,
      actions,
      final,
      ...(reassignedTo ? { reassignedTo } : {}),
    };
  }

  private async notify(breach: Breach): Promise<void> {
    const { events, metrics, config, logger } = this.options;
    metrics.slaBreaches.inc({ rule: breach.ruleId });
    const data = { ruleId: breach.ruleId, dueAt: breach.dueAt, level: breach.level, final: breach.final, ...(breach.reassignedTo ? { reassignedTo: breach.reassignedTo } : {}) };
    if (breach.actions.includes('notify')) {
      await events.publish('sla.breached', { key: config.supervisorId ?? 'all', ownerId: breach.ownerId, leadId: breach.leadId, data: { ...data, ...(config.supervisorId ? { supervisorId: config.supervisorId } : {}) } });
    }
    if (breach.reassignedTo) {
      metrics.leadsAssigned.inc({ owner: breach.reassignedTo, rule: 'sla_escalation' });
      await events.publish('lead.assigned', { ownerId: breach.reassignedTo, leadId: breach.leadId, data: { previousOwnerId: breach.ownerId, reason: 'sla_escalation', ruleId: breach.ruleId } });
    }
    if (breach.actions.includes('webhook') && config.webhookUrl) {
      const url = config.webhookUrl;
      const body = { event: 'sla.breached', leadId: breach.leadId, ownerId: breach.ownerId, ...data };
      await retry(() => axios.post(url, body, { timeout: config.webhookTimeoutMs, headers: { 'idempotency-key': `sla:${breach.leadId}:${breach.level}` } }), {
        retries: 3,
        initialMs: 200,
        maxMs: 2000,
        signal: this.abort.signal,
      }).catch((err: unknown) => logger.warn({ err: String(err), leadId: breach.leadId }, 'sla webhook failed'));
    }
  }
}
