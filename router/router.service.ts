import type { Logger } from 'pino';
import { deliveryKeyFor, type Delivery } from '../contracts/delivery.js';
import { contactErasedV1Schema, leadV1Schema, type ContactErasedV1, type LeadV1 } from '../contracts/lead.js';
import { LeadgateError } from '../contracts/errors.js';
import { Topics } from '../contracts/topics.js';
import type { Bus, BusRecord, Subscription } from '../platform/bus/bus.port.js';
import { deadLetter } from '../platform/dead-letter.js';
import { sharedAbortController, sleep } from '../platform/retry.js';
import type { Metrics } from '../platform/telemetry/metrics.js';
import { validateOrThrow } from '../platform/validation.js';
import type { Deliverer, RetryEnvelope } from './deliverer.js';
import type { CallbackHandler } from './callbacks/callback.handler.js';
import type { ContactDeliveries } from './contact-deliveries.js';
import type { OwnerAssigner } from './owner.assigner.js';
import type { LiveEventPublisher } from './sla/live-event.publisher.js';

export interface RouterOptions {
  bus: Bus;
  assigner: OwnerAssigner;
  deliverer: Deliverer;
  metrics: Metrics;
  logger: Logger;
  destinationId: string;
  group?: string;
  /** Live events (`lead.created`, `lead.assigned`, call and callback events); absent: none published. */
  events?: LiveEventPublisher;
  /** Missed-call callback tasks; absent: calls are delivered as leads only. */
  callbacks?: CallbackHandler;
  /** `contact.merged` and `contact.erased` deliveries; absent: merges and erasures stay in the store. */
  contacts?: ContactDeliveries;
}

/**
 * Consumes Lead v1 (and `contact.erased`, turned into erasure deliveries), gives each lead an owner (routing rules, owner.assigner.ts) and delivers it, then the
 * callback-task delivery its call facts cause, if any; also drains the retry topic. Live events go out
 * only for what this handling changed, so a redelivered record does not announce a lead twice (a crash
 * between the assignment's commit and its announcement loses that announcement: live events are best effort).
 */
export class Router {
  private readonly subscriptions: Subscription[] = [];
  private readonly abort = sharedAbortController();

  constructor(private readonly options: RouterOptions) {}

  async start(): Promise<void> {
    const group = this.options.group ?? 'leadgate-router';
    this.subscriptions.push(await this.options.bus.subscribe(Topics.normalized, group, (r) => this.handleLead(r)));
    this.subscriptions.push(await this.options.bus.subscribe(Topics.deliveryRetry, `${group}-retry`, (r) => this.handleRetry(r)));
  }

  /** Finishes the running batches, or abandons them uncommitted when `deadline` aborts (bus.port.ts). */
  async stop(deadline?: AbortSignal): Promise<void> {
    this.abort.abort(new Error('router stopping'));
    await Promise.all(this.subscriptions.map((s) => s.stop(deadline)));
  }

  async handleLead(record: BusRecord): Promise<void> {
    const erased = (record.value as { type?: unknown } | null)?.type === 'contact.erased';
    let value: LeadV1 | ContactErasedV1;
    try {
      value = erased
        ? validateOrThrow<ContactErasedV1>(contactErasedV1Schema, record.value, 'contact.erased')
        : validateOrThrow<LeadV1>(leadV1Schema, record.value, 'lead');
    } catch (err) {
      const error = err as LeadgateError;
      await deadLetter(this.options.bus, { stage: 'router', code: error.code, reason: error.message, sourceTopic: record.topic, key: record.key, record: record.value });
      return;
    }
    if (value.type === 'contact.erased') {
      for (const delivery of (await this.options.contacts?.erasure(value)) ?? []) await this.options.deliverer.deliver(delivery);
      return;
    }
    const lead = value;
    if (lead.spam) {
      this.options.metrics.deliveries.inc({ destination: this.options.destinationId, outcome: 'skipped_spam' });
      return;
    }
    const assignment = await this.options.assigner.assign(lead);
    const { ownerId } = assignment;
    const owned: LeadV1 = { ...lead, contact: { ...lead.contact, ownerId } };
    const delivery: Delivery = {
      kind: lead.type === 'lead.created' ? 'lead.create' : 'lead.activity',
      idempotencyKey: deliveryKeyFor(lead),
      ownerId,
      lead: owned,
    };
    // Announced as soon as the assignment committed: if the delivery below fails and the record comes
    // back, the assignment is no longer fresh, so announcing after it would lose the count and the event.
    if (assignment.fresh) await this.announce(owned, assignment.decision?.ruleId ?? 'default');
    await this.options.deliverer.deliver(delivery);
    for (const merge of this.options.contacts?.merges(owned, ownerId) ?? []) await this.options.deliverer.deliver(merge);
    // After the lead's own delivery, so the CRM knows the lead before a task refers to it.
    const callback = await this.options.callbacks?.handle(owned, assignment.contactOwnerId);
    if (callback) await this.options.deliverer.deliver(callback);
  }

  private async announce(lead: LeadV1, ruleId: string): Promise<void> {
    const ownerId = lead.contact.ownerId as string;
    this.options.metrics.leadsAssigned.inc({ owner: ownerId, rule: ruleId });
    const events = this.options.events;
    if (!events) return;
    const facts = { leadId: lead.leadId, contactId: lead.contact.id, ownerId };
    if (lead.type === 'lead.created') {
      await events.publish('lead.created', { ...facts, data: { channel: lead.channel, connectorId: lead.connectorId, ...(lead.contact.name ? { name: lead.contact.name } : {}) } });
    }
    await events.publish('lead.assigned', { ...facts, data: { ruleId } });
  }

  async handleRetry(record: BusRecord): Promise<void> {
    const envelope = record.value as RetryEnvelope;
    if (!envelope || envelope.v !== 1 || !envelope.delivery) {
      await deadLetter(this.options.bus, { stage: 'router', code: 'VALIDATION_FAILED', reason: 'malformed retry envelope', sourceTopic: record.topic, key: record.key, record: record.value });
      return;
    }
    const wait = envelope.notBefore - Date.now();
    // Waiting here holds only this retry partition; fresh leads flow on the main topic meanwhile.
    if (wait > 0) await sleep(wait, this.abort.signal);
    await this.options.deliverer.deliver(envelope.delivery, envelope.attempts);
  }
}
