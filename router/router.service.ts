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
import type { Assignment, OwnerAssigner } from './owner.assigner.js';
import { defaultRouterBatch, routeBatch } from './router.batch.js';
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
  /**
   * Batch consumption (`router.batch`): each fetched batch of Lead v1 assigned in one transaction, its
   * deliveries sent concurrently across contacts (router.batch.ts). Off: one transaction per lead.
   */
  batch?: { enabled: boolean; maxRecords: number };
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
    const batch = this.options.batch ?? defaultRouterBatch;
    this.subscriptions.push(
      batch.enabled
        ? await this.options.bus.subscribeBatch(Topics.normalized, group, (records) => routeBatch(this, records), { maxRecords: batch.maxRecords })
        : await this.options.bus.subscribe(Topics.normalized, group, (r) => this.handleLead(r)),
    );
    this.subscriptions.push(await this.options.bus.subscribe(Topics.deliveryRetry, `${group}-retry`, (r) => this.handleRetry(r)));
  }

  /** The assigner the batch path shares with this router. */
  get assigner(): OwnerAssigner {
    return this.options.assigner;
  }

  /** Finishes the running batches, or abandons them uncommitted when `deadline` aborts (bus.port.ts). */
  async stop(deadline?: AbortSignal): Promise<void> {
    this.abort.abort(new Error('router stopping'));
    await Promise.all(this.subscriptions.map((s) => s.stop(deadline)));
  }

  async handleLead(record: BusRecord): Promise<void> {
    const value = await this.parse(record);
    if (value === undefined) return;
    if (value.type === 'contact.erased') {
      for (const delivery of (await this.options.contacts?.erasure(value)) ?? []) await this.options.deliverer.deliver(delivery);
      return;
    }
    if (this.skipsSpam(value)) return;
    await this.deliverAssigned(value, await this.options.assigner.assign(value));
  }

  /** The record's Lead v1 or `contact.erased`; undefined when it was neither (then it is dead-lettered). */
  async parse(record: BusRecord): Promise<LeadV1 | ContactErasedV1 | undefined> {
    const erased = (record.value as { type?: unknown } | null)?.type === 'contact.erased';
    try {
      return erased
        ? validateOrThrow<ContactErasedV1>(contactErasedV1Schema, record.value, 'contact.erased')
        : validateOrThrow<LeadV1>(leadV1Schema, record.value, 'lead');
    } catch (err) {
      const error = err as LeadgateError;
      await deadLetter(this.options.bus, { stage: 'router', code: error.code, reason: error.message, sourceTopic: record.topic, key: record.key, record: record.value });
      return undefined;
    }
  }

  /** Spam is not routed, only counted. */
  skipsSpam(lead: LeadV1): boolean {
    if (lead.spam) this.options.metrics.deliveries.inc({ destination: this.options.destinationId, outcome: 'skipped_spam' });
    return lead.spam === true;
  }

  /** What follows a committed assignment: its announcement, the lead's delivery, merge and callback deliveries. */
  async deliverAssigned(lead: LeadV1, assignment: Assignment): Promise<void> {
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
