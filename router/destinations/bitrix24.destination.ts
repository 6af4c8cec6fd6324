import type { Bitrix24DestinationConfig } from './destination.config.js';
import type { Delivery } from '../../contracts/delivery.js';
import { Bitrix24Client } from './bitrix24.client.js';
import { isRecord, missingTarget } from './crm-http.js';
import { callbackSubject, leadTitle, marker, noteText, requestText, splitName, utm } from './delivery-text.js';
import type { DestinationRefs } from './destination-refs.js';
import type { DeliveryReceipt, Destination, SendContext } from './destination.port.js';

const LEAD = 1;
const ORIGINATOR = 'leadgate';
const firstSend: SendContext = { maybeRetry: false, priorAttempts: 0 };

/**
 * Bitrix24 via an incoming webhook. Leads are created with `crm.item.add` (entityTypeId 1) carrying our
 * idempotency key in ORIGIN_ID; before a create that may be a retry, `crm.item.list` by ORIGIN_ID finds
 * the lead an earlier attempt made. Requests merged into a lead become timeline comments, callbacks
 * become to-do activities with a deadline. The portal has no idempotency key, so every write that could
 * repeat (a retry, or a delivery a crash left in doubt: intent in the ledger, no outcome) is looked up
 * first (our ref table, then the portal: ORIGIN_ID for leads, the key's marker for comments and to-dos).
 */
export class Bitrix24Destination implements Destination {
  readonly id: string;
  private readonly client: Bitrix24Client;

  constructor(private readonly config: Bitrix24DestinationConfig, private readonly refs: DestinationRefs) {
    this.id = config.id;
    this.client = new Bitrix24Client(config.id, config.bitrix24.webhookUrl, config.timeoutMs);
  }

  async send(delivery: Delivery, context: SendContext = firstSend): Promise<DeliveryReceipt> {
    switch (delivery.kind) {
      case 'lead.create':
        return this.createLead(delivery, context);
      case 'lead.activity':
      case 'contact.merged':
        return this.comment(delivery, context);
      case 'callback.create':
        return this.createCallback(delivery, context);
      case 'callback.update':
      case 'callback.close':
        return this.changeCallback(delivery, context);
      case 'contact.erased':
        return this.erase(delivery);
    }
  }

  private owner(delivery: Delivery): number | undefined {
    const mapped = this.config.ownerMap[delivery.ownerId];
    return mapped === undefined ? undefined : Number(mapped);
  }

  private async createLead(delivery: Delivery, context: SendContext): Promise<DeliveryReceipt> {
    const { lead, idempotencyKey: key } = delivery;
    const known = await this.refs.get(this.id, 'lead', lead.leadId);
    if (known) return { status: 200, externalId: known, body: { id: known, existing: true } };

    const lookups: Record<string, { method: string; params: Record<string, unknown> }> = {};
    if (context.maybeRetry) {
      lookups.origin = { method: 'crm.item.list', params: { entityTypeId: LEAD, filter: { originatorId: ORIGINATOR, originId: key }, select: ['id'] } };
    }
    if (this.config.bitrix24.linkDuplicates) {
      // findbycomm takes at most 20 values per call.
      if (lead.contact.phones.length > 0) lookups.phone = { method: 'crm.duplicate.findbycomm', params: { type: 'PHONE', values: lead.contact.phones.slice(0, 20), entity_type: 'CONTACT' } };
      if (lead.contact.emails.length > 0) lookups.email = { method: 'crm.duplicate.findbycomm', params: { type: 'EMAIL', values: lead.contact.emails.slice(0, 20), entity_type: 'CONTACT' } };
    }
    let contactId: number | undefined;
    if (Object.keys(lookups).length > 0) {
      const found = await this.client.batch(lookups, false);
      const existing = firstItemId(found.origin);
      if (existing) {
        await this.refs.put(this.id, 'lead', lead.leadId, existing, key);
        return { status: 200, externalId: existing, body: { id: existing, existing: true } };
      }
      contactId = firstContact(found.phone) ?? firstContact(found.email);
    }

    const { first, last } = splitName(lead.contact.name);
    const u = utm(lead);
    const owner = this.owner(delivery);
    const fields: Record<string, unknown> = {
      title: leadTitle(lead),
      ...(first ? { name: first } : {}),
      ...(last ? { lastName: last } : {}),
      fm: [
        ...lead.contact.phones.map((value) => ({ typeId: 'PHONE', valueType: 'WORK', value })),
        ...lead.contact.emails.map((value) => ({ typeId: 'EMAIL', valueType: 'WORK', value })),
      ],
      sourceId: lead.call ? 'CALL' : this.config.bitrix24.sourceId,
      sourceDescription: [lead.connectorId, lead.source.form, lead.source.page].filter(Boolean).join(' · '),
      comments: requestText(lead),
      originatorId: ORIGINATOR,
      originId: key,
      ...(owner !== undefined ? { assignedById: owner } : {}),
      ...(contactId !== undefined ? { contactId } : {}),
      ...(u.source ? { utmSource: u.source } : {}),
      ...(u.medium ? { utmMedium: u.medium } : {}),
      ...(u.campaign ? { utmCampaign: u.campaign } : {}),
      ...(u.content ? { utmContent: u.content } : {}),
      ...(u.term ? { utmTerm: u.term } : {}),
    };
    const result = await this.client.call<{ item?: { id?: number } }>('crm.item.add', { entityTypeId: LEAD, fields });
    const id = String(result?.item?.id ?? '');
    await this.refs.put(this.id, 'lead', lead.leadId, id, key);
    return { status: 200, externalId: id, body: { id, ...(contactId !== undefined ? { contactId } : {}) } };
  }

  private async leadId(delivery: Delivery, context: SendContext): Promise<string> {
    const id = await this.refs.get(this.id, 'lead', delivery.lead.leadId);
    if (id) return id;
    // The lead may have been created by an attempt whose answer we never saw: ask the portal.
    const listed = await this.client.call<unknown>('crm.item.list', {
      entityTypeId: LEAD,
      filter: { originatorId: ORIGINATOR, originId: `lead:${delivery.lead.leadId}` },
      select: ['id'],
    });
    const found = firstItemId(listed);
    if (found) {
      await this.refs.put(this.id, 'lead', delivery.lead.leadId, found);
      return found;
    }
    throw missingTarget(this.id, `lead ${delivery.lead.leadId}`, context.priorAttempts);
  }

  private async comment(delivery: Delivery, context: SendContext): Promise<DeliveryReceipt> {
    const leadId = await this.leadId(delivery, context);
    const done = context.maybeRetry ? await this.findComment(leadId, delivery.idempotencyKey) : undefined;
    if (done) return { status: 200, externalId: done, body: { id: done, existing: true } };
    const id = await this.client.call<number>('crm.timeline.comment.add', { fields: { ENTITY_ID: Number(leadId), ENTITY_TYPE: 'lead', COMMENT: noteText(delivery) } });
    return { status: 200, externalId: String(id), body: { id: String(id), leadId } };
  }

  /** The lead's timeline comment carrying the key's marker, if an earlier attempt wrote it. */
  private async findComment(leadId: string, key: string): Promise<string | undefined> {
    const listed = await this.client.call<unknown>('crm.timeline.comment.list', { filter: { ENTITY_ID: Number(leadId), ENTITY_TYPE: 'lead' }, select: ['ID', 'COMMENT'] });
    return findByMarker(listed, 'COMMENT', key);
  }

  private async createCallback(delivery: Delivery, context: SendContext): Promise<DeliveryReceipt> {
    const taskId = delivery.callback?.taskId ?? delivery.idempotencyKey;
    const known = await this.refs.get(this.id, 'callback', taskId);
    if (known) return { status: 200, externalId: known, body: { id: known, existing: true } };
    const leadId = await this.leadId(delivery, context);
    if (context.maybeRetry) {
      const listed = await this.client.call<unknown>('crm.activity.list', { filter: { OWNER_TYPE_ID: LEAD, OWNER_ID: Number(leadId) }, select: ['ID', 'DESCRIPTION'] });
      const done = findByMarker(listed, 'DESCRIPTION', delivery.idempotencyKey);
      if (done) {
        await this.refs.put(this.id, 'callback', taskId, done, delivery.idempotencyKey);
        return { status: 200, externalId: done, body: { id: done, existing: true } };
      }
    }
    const owner = this.owner(delivery);
    const result = await this.client.call<{ id?: number }>('crm.activity.todo.add', {
      ownerTypeId: LEAD,
      ownerId: Number(leadId),
      deadline: delivery.callback?.dueAt ?? new Date().toISOString(),
      title: callbackSubject(delivery),
      description: noteText(delivery),
      pingOffsets: [0, 15],
      ...(owner !== undefined ? { responsibleId: owner } : {}),
    });
    const id = String(result?.id ?? '');
    await this.refs.put(this.id, 'callback', taskId, id, delivery.idempotencyKey);
    return { status: 200, externalId: id, body: { id, leadId } };
  }

  /** A new deadline or the closing, plus a comment saying why, as one batch (one request, one rate-limit unit). */
  private async changeCallback(delivery: Delivery, context: SendContext): Promise<DeliveryReceipt> {
    const taskId = delivery.callback?.taskId ?? '';
    const activityId = await this.refs.get(this.id, 'callback', taskId);
    if (!activityId) throw missingTarget(this.id, `callback task ${taskId}`, context.priorAttempts);
    const leadId = await this.leadId(delivery, context);
    // The change sets a state (a repeat changes nothing); the comment would repeat, and is written last.
    if (context.maybeRetry && (await this.findComment(leadId, delivery.idempotencyKey))) return { status: 200, externalId: activityId, body: { id: activityId, leadId, existing: true } };
    const change =
      delivery.kind === 'callback.close'
        ? { method: 'crm.activity.update', params: { id: Number(activityId), fields: { COMPLETED: 'Y' } } }
        : { method: 'crm.activity.todo.updateDeadline', params: { ownerTypeId: LEAD, ownerId: Number(leadId), id: Number(activityId), value: delivery.callback?.dueAt } };
    await this.client.batch(
      { change, comment: { method: 'crm.timeline.comment.add', params: { fields: { ENTITY_ID: Number(leadId), ENTITY_TYPE: 'lead', COMMENT: noteText(delivery) } } } },
      true,
    );
    return { status: 200, externalId: activityId, body: { id: activityId, leadId } };
  }

  /** Erasure removes the lead we created; nothing to erase when the portal never had it. */
  private async erase(delivery: Delivery): Promise<DeliveryReceipt> {
    const leadId = await this.refs.get(this.id, 'lead', delivery.lead.leadId);
    if (!leadId) return { status: 200, body: { erased: false } };
    await this.client.call('crm.item.delete', { entityTypeId: LEAD, id: Number(leadId) });
    await this.refs.delete(this.id, 'lead', delivery.lead.leadId);
    return { status: 200, externalId: leadId, body: { erased: true, id: leadId } };
  }
}

/** `crm.item.list` answers `{items:[{id}]}`; inside a batch the same shape sits under the command's key. */
function firstItemId(result: unknown): string | undefined {
  const items = isRecord(result) && Array.isArray(result.items) ? result.items : [];
  const first: unknown = items[0];
  return isRecord(first) && first.id !== undefined ? String(first.id) : undefined;
}

/** findbycomm answers `{CONTACT:[ids]}`, or an empty array when nothing matched. */
function firstContact(result: unknown): number | undefined {
  const ids = isRecord(result) && Array.isArray(result.CONTACT) ? result.CONTACT : [];
  return ids.length > 0 ? Number(ids[0]) : undefined;
}

function findByMarker(result: unknown, field: string, key: string): string | undefined {
  const rows: unknown[] = Array.isArray(result) ? result : [];
  const hit = rows.find((r) => isRecord(r) && typeof r[field] === 'string' && (r[field] as string).includes(marker(key)));
  return isRecord(hit) && hit.ID !== undefined ? String(hit.ID) : undefined;
}
