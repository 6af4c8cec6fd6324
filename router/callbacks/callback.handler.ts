import type { Delivery } from '../../contracts/delivery.js';
import type { LeadV1 } from '../../contracts/lead.js';
import type { Store } from '../../platform/store/store.port.js';
import type { Metrics } from '../../platform/telemetry/metrics.js';
import type { CallbacksConfig } from '../rules/routing.config.js';
import type { LiveEventPublisher } from '../sla/live-event.publisher.js';
import { CallbackTasks, type CallbackChange } from './callback.tasks.js';

const unanswered = new Set(['missed', 'busy', 'cancelled', 'failed']);

/** Idempotency keys: one per task for create and close, one per counted attempt for updates. */
export function callbackKey(change: CallbackChange): string {
  const { taskId, attempts } = change.task;
  return change.action === 'update' ? `callback:${taskId}:attempt:${attempts}` : `callback:${taskId}:${change.action}`;
}

/**
 * Turns a lead's call facts into callback-task deliveries. An unanswered inbound call opens the number's
 * task (or counts an attempt on it); an answered inbound call or any outbound call with the number closes
 * it. These come on top of the lead's own delivery (`lead.create` for the first call, `lead.activity`
 * for later ones, which keep the call history on the lead): the task is the to-do, the lead the record.
 */
export class CallbackHandler {
  private readonly tasks: CallbackTasks;

  constructor(
    store: Store,
    private readonly deps: { config: CallbacksConfig; events: LiveEventPublisher; metrics: Metrics; clock?: () => Date },
  ) {
    this.tasks = new CallbackTasks(store);
  }

  /** The delivery the call causes, if any; live events are published for changes made now (not replays). */
  /** `ownerId`: who gets a new task, the contact's owner (the rules' pick when the contact had none). */
  async handle(lead: LeadV1, ownerId: string): Promise<Delivery | undefined> {
    const call = lead.call;
    if (!call || !this.deps.config.enabled) return undefined;
    const counterpart = call.direction === 'inbound' ? call.from : call.to;
    // The normalizer's E.164 form when it has one, so "8 912…" and "+7 912…" share one task.
    const phone = lead.contact.phones[0] ?? counterpart;
    if (!phone) return undefined;
    const callAt = parseTime(call.startedAt) ?? parseTime(lead.occurredAt) ?? (this.deps.clock ?? (() => new Date()))();
    let change: CallbackChange | undefined;
    if (call.direction === 'inbound' && unanswered.has(call.status)) {
      change = await this.tasks.missed({ activityId: lead.activityId, leadId: lead.leadId, contactId: lead.contact.id, phone, ownerId, callAt, dueMinutes: this.deps.config.dueMinutes });
      if (change.fresh) {
        await this.deps.events.publish('call.missed', { ownerId: change.ownerId, leadId: lead.leadId, contactId: lead.contact.id, data: { phone, status: call.status, callId: call.callId, attempts: change.task.attempts, ...(lead.contact.name ? { name: lead.contact.name } : {}) } });
      }
    } else if (call.direction === 'outbound' || call.status === 'answered') {
      const phones = [...new Set([...lead.contact.phones, ...(counterpart ? [counterpart] : [])])];
      change = await this.tasks.reached({ activityId: lead.activityId, contactId: lead.contact.id, phones, reason: call.direction === 'outbound' ? 'called_back' : 'answered' });
    }
    if (!change) return undefined;
    if (change.fresh) {
      this.deps.metrics.callbackTasks.inc({ action: change.action === 'create' ? 'created' : change.action === 'update' ? 'updated' : 'closed' });
      if (change.action !== 'update') {
        await this.deps.events.publish(change.action === 'create' ? 'callback.created' : 'callback.closed', {
          ownerId: change.ownerId,
          leadId: lead.leadId,
          contactId: change.contactId,
          data: { taskId: change.task.taskId, phone: change.task.phone, dueAt: change.task.dueAt, attempts: change.task.attempts, ...(change.task.closedReason ? { closedReason: change.task.closedReason } : {}) },
        });
      }
    }
    return {
      kind: `callback.${change.action}`,
      idempotencyKey: callbackKey(change),
      ownerId: change.ownerId,
      lead,
      callback: change.task,
    };
  }
}

function parseTime(value: string | undefined): Date | undefined {
  if (!value) return undefined;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? undefined : d;
}
