import type { HubSpotDestinationConfig } from './destination.config.js';
import type { Delivery } from '../../contracts/delivery.js';
import { isLeadgateError } from '../../contracts/errors.js';
import { missingTarget } from './crm-http.js';
import { callbackSubject, leadTitle, marker, noteText, splitName } from './delivery-text.js';
import type { DestinationRefs } from './destination-refs.js';
import type { DeliveryReceipt, Destination, SendContext } from './destination.port.js';
import { existingIdOf, HubSpotClient } from './hubspot.client.js';
import { findAssociatedByMarker } from './hubspot-lookup.js';

const firstSend: SendContext = { maybeRetry: false, priorAttempts: 0 };
/** HUBSPOT_DEFINED association types: deal→contact, note→deal, task→deal. */
const DEAL_TO_CONTACT = 3;
const NOTE_TO_DEAL = 214;
const TASK_TO_DEAL = 216;

interface ObjectAnswer { id: string }
interface BatchAnswer { results?: { id: string; new?: boolean }[] }
interface SearchAnswer { total?: number; results?: { id: string }[] }

function assoc(id: string, typeId: number): { to: { id: string }; types: { associationCategory: string; associationTypeId: number }[] } {
  return { to: { id }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: typeId }] };
}

/**
 * HubSpot CRM v3: a lead is a contact (upserted by e-mail through batch upsert, so a repeat never
 * answers 409) plus a deal associated with it; merged requests and contact events are notes on the deal,
 * callbacks are CALL tasks. Deals are upserted by `dealKeyProperty` when configured (fully idempotent);
 * otherwise our ref table guards the create and, for a repeat (retry, or a delivery a crash left in
 * doubt), the contact's deals are read for the key's marker first; notes and tasks likewise on the deal.
 */
export class HubSpotDestination implements Destination {
  readonly id: string;
  private readonly client: HubSpotClient;

  constructor(private readonly config: HubSpotDestinationConfig, private readonly refs: DestinationRefs) {
    this.id = config.id;
    const { hubspot } = config;
    this.client = new HubSpotClient(config.id, hubspot.baseUrl, hubspot.token, config.timeoutMs, hubspot.timeZone);
  }

  async send(delivery: Delivery, context: SendContext = firstSend): Promise<DeliveryReceipt> {
    switch (delivery.kind) {
      case 'lead.create':
        return this.createLead(delivery, context);
      case 'lead.activity':
      case 'contact.merged':
        return this.note(delivery, context);
      case 'callback.create':
        return this.createTask(delivery, context);
      case 'callback.update':
      case 'callback.close':
        return this.changeTask(delivery, context);
      case 'contact.erased':
        return this.erase(delivery);
    }
  }

  private ownerProps(delivery: Delivery): Record<string, string> {
    const mapped = this.config.ownerMap[delivery.ownerId];
    return mapped === undefined ? {} : { hubspot_owner_id: mapped };
  }

  private async contactId(delivery: Delivery): Promise<string> {
    const { contact } = delivery.lead;
    const known = await this.refs.get(this.id, 'contact', contact.id);
    if (known) return known;
    const { first, last } = splitName(contact.name);
    const properties: Record<string, string> = {
      ...(contact.emails[0] ? { email: contact.emails[0] } : {}),
      ...(first ? { firstname: first } : {}),
      ...(last ? { lastname: last } : {}),
      ...(contact.phones[0] ? { phone: contact.phones[0] } : {}),
      ...this.ownerProps(delivery),
    };
    let id: string | undefined;
    if (contact.emails[0]) {
      const answer = await this.client.request<BatchAnswer>('POST', '/crm/v3/objects/contacts/batch/upsert', { inputs: [{ id: contact.emails[0], idProperty: 'email', properties }] });
      id = answer.results?.[0]?.id;
    } else if (contact.phones[0]) {
      const found = await this.client.request<SearchAnswer>('POST', '/crm/v3/objects/contacts/search', {
        filterGroups: [{ filters: [{ propertyName: 'phone', operator: 'EQ', value: contact.phones[0] }] }],
        properties: ['phone'],
        limit: 1,
      });
      id = found.results?.[0]?.id;
    }
    if (!id) {
      try {
        id = (await this.client.request<ObjectAnswer>('POST', '/crm/v3/objects/contacts', { properties })).id;
      } catch (err) {
        // Search lags the index by seconds: a create can still collide, and the 409 names the winner.
        const existing = isLeadgateError(err) ? existingIdOf(err) : undefined;
        if (!existing) throw err;
        id = existing;
      }
    }
    await this.refs.put(this.id, 'contact', contact.id, id, delivery.idempotencyKey);
    return id;
  }

  private async createLead(delivery: Delivery, context: SendContext): Promise<DeliveryReceipt> {
    const { lead, idempotencyKey: key } = delivery;
    let dealId = await this.refs.get(this.id, 'lead', lead.leadId);
    const contactId = await this.contactId(delivery);
    // A deal made by this very attempt has no note yet: no need to look for one.
    let fresh = false;
    if (!dealId) {
      const { hubspot } = this.config;
      const properties: Record<string, string> = {
        dealname: leadTitle(lead),
        ...(hubspot.pipeline ? { pipeline: hubspot.pipeline } : {}),
        ...(hubspot.dealStage ? { dealstage: hubspot.dealStage } : {}),
        ...this.ownerProps(delivery),
      };
      if (hubspot.dealKeyProperty) {
        const answer = await this.client.request<BatchAnswer>('POST', '/crm/v3/objects/deals/batch/upsert', {
          inputs: [{ id: key, idProperty: hubspot.dealKeyProperty, properties: { ...properties, [hubspot.dealKeyProperty]: key } }],
        });
        dealId = answer.results?.[0]?.id ?? '';
        fresh = answer.results?.[0]?.new === true;
        await this.client.request('PUT', `/crm/v4/objects/deals/${dealId}/associations/default/contacts/${contactId}`);
      } else {
        // No unique property: the key's marker in the description lets a repeat find the deal among the
        // contact's deals (created with its association in one request, so it is listed there at once).
        const existing = context.maybeRetry ? await findAssociatedByMarker(this.client, { type: 'contacts', id: contactId }, 'deals', 'description', key) : undefined;
        fresh = existing === undefined;
        dealId =
          existing ??
          (await this.client.request<ObjectAnswer>('POST', '/crm/v3/objects/deals', { properties: { ...properties, description: marker(key) }, associations: [assoc(contactId, DEAL_TO_CONTACT)] })).id;
      }
      await this.refs.put(this.id, 'lead', lead.leadId, dealId, key);
    }
    const noteId = await this.addNote(delivery, dealId, fresh ? { ...context, maybeRetry: false } : context);
    return { status: 200, externalId: dealId, body: { id: dealId, contactId, noteId } };
  }

  /** A note per delivery key, recorded so a retry after a later failure does not add it twice. */
  private async addNote(delivery: Delivery, dealId: string, context: SendContext): Promise<string> {
    const key = delivery.idempotencyKey;
    const known = await this.refs.get(this.id, 'activity', key);
    if (known) return known;
    const existing = context.maybeRetry ? await findAssociatedByMarker(this.client, { type: 'deals', id: dealId }, 'notes', 'hs_note_body', key) : undefined;
    const id =
      existing ??
      (
        await this.client.request<ObjectAnswer>('POST', '/crm/v3/objects/notes', {
          properties: { hs_timestamp: delivery.lead.occurredAt, hs_note_body: noteText(delivery), ...this.ownerProps(delivery) },
          associations: [assoc(dealId, NOTE_TO_DEAL)],
        })
      ).id;
    await this.refs.put(this.id, 'activity', key, id, key);
    return id;
  }

  private async dealId(delivery: Delivery, context: SendContext): Promise<string> {
    const id = await this.refs.get(this.id, 'lead', delivery.lead.leadId);
    if (!id) throw missingTarget(this.id, `deal for lead ${delivery.lead.leadId}`, context.priorAttempts);
    return id;
  }

  private async note(delivery: Delivery, context: SendContext): Promise<DeliveryReceipt> {
    const dealId = await this.dealId(delivery, context);
    const id = await this.addNote(delivery, dealId, context);
    return { status: 200, externalId: id, body: { id, dealId } };
  }

  private async createTask(delivery: Delivery, context: SendContext): Promise<DeliveryReceipt> {
    const taskId = delivery.callback?.taskId ?? delivery.idempotencyKey;
    const known = await this.refs.get(this.id, 'callback', taskId);
    if (known) return { status: 200, externalId: known, body: { id: known, existing: true } };
    const dealId = await this.dealId(delivery, context);
    const existing = context.maybeRetry ? await findAssociatedByMarker(this.client, { type: 'deals', id: dealId }, 'tasks', 'hs_task_body', delivery.idempotencyKey) : undefined;
    if (existing) {
      await this.refs.put(this.id, 'callback', taskId, existing, delivery.idempotencyKey);
      return { status: 200, externalId: existing, body: { id: existing, existing: true } };
    }
    const answer = await this.client.request<ObjectAnswer>('POST', '/crm/v3/objects/tasks', {
      properties: {
        hs_timestamp: delivery.callback?.dueAt ?? new Date().toISOString(),
        hs_task_subject: callbackSubject(delivery),
        hs_task_body: noteText(delivery),
        hs_task_status: 'NOT_STARTED',
        hs_task_type: 'CALL',
        hs_task_priority: 'HIGH',
        ...this.ownerProps(delivery),
      },
      associations: [assoc(dealId, TASK_TO_DEAL)],
    });
    await this.refs.put(this.id, 'callback', taskId, answer.id, delivery.idempotencyKey);
    return { status: 200, externalId: answer.id, body: { id: answer.id, dealId } };
  }

  /** PATCHes to fixed values: repeating one changes nothing. */
  private async changeTask(delivery: Delivery, context: SendContext): Promise<DeliveryReceipt> {
    const taskId = delivery.callback?.taskId ?? '';
    const id = await this.refs.get(this.id, 'callback', taskId);
    if (!id) throw missingTarget(this.id, `callback task ${taskId}`, context.priorAttempts);
    const properties = delivery.kind === 'callback.close' ? { hs_task_status: 'COMPLETED' } : { hs_timestamp: delivery.callback?.dueAt ?? new Date().toISOString() };
    await this.client.request('PATCH', `/crm/v3/objects/tasks/${id}`, { properties });
    return { status: 200, externalId: id, body: { id } };
  }

  /** GDPR delete removes the contact and its history in HubSpot; nothing to do when HubSpot never had it. */
  private async erase(delivery: Delivery): Promise<DeliveryReceipt> {
    const contactId = await this.refs.get(this.id, 'contact', delivery.lead.contact.id);
    if (!contactId) return { status: 200, body: { erased: false } };
    await this.client.request('POST', '/crm/v3/objects/contacts/gdpr-delete', { objectId: contactId });
    await this.refs.delete(this.id, 'contact', delivery.lead.contact.id);
    return { status: 200, externalId: contactId, body: { erased: true, id: contactId } };
  }
}
