import type { AmoCrmDestinationConfig } from './destination.config.js';
import type { Delivery } from '../../contracts/delivery.js';
import type { LeadV1 } from '../../contracts/lead.js';
import { AmoCrmClient } from './amocrm.client.js';
import { isRecord, missingTarget } from './crm-http.js';
import { callbackSubject, leadTitle, marker, noteText } from './delivery-text.js';
import type { DestinationRefs } from './destination-refs.js';
import type { DeliveryReceipt, Destination, SendContext } from './destination.port.js';

const firstSend: SendContext = { maybeRetry: false, priorAttempts: 0 };
type Json = Record<string, unknown>;

/**
 * amoCRM / Kommo v4. Leads go through `POST /api/v4/leads/complex` (lead + its contact in one call) or,
 * when configured, the Incoming leads endpoints (`/leads/unsorted/forms`, `/leads/unsorted/sip` for calls);
 * requests merged into a lead and contact events become notes, callbacks become tasks. amo has no
 * idempotency key: our ref table is checked before every create, and when `keyFieldId` is configured the
 * account is searched for our key before a create that may be a repeat (a retry, or a delivery a crash
 * left in doubt). Without `keyFieldId` a lead in doubt cannot be found, and is created again.
 */
export class AmoCrmDestination implements Destination {
  readonly id: string;
  private readonly client: AmoCrmClient;

  constructor(private readonly config: AmoCrmDestinationConfig, private readonly refs: DestinationRefs) {
    this.id = config.id;
    this.client = new AmoCrmClient(config.id, config.amocrm.baseUrl, config.amocrm.token, config.timeoutMs);
  }

  async send(delivery: Delivery, context: SendContext = firstSend): Promise<DeliveryReceipt> {
    switch (delivery.kind) {
      case 'lead.create':
        return this.createLead(delivery, context);
      case 'lead.activity':
      case 'contact.merged':
      case 'contact.erased':
        return this.note(delivery, context);
      case 'callback.create':
        return this.createTask(delivery, context);
      case 'callback.update':
      case 'callback.close':
        return this.changeTask(delivery, context);
    }
  }

  private owner(delivery: Delivery): number | undefined {
    const mapped = this.config.ownerMap[delivery.ownerId];
    return mapped === undefined ? undefined : Number(mapped);
  }

  private contact(lead: LeadV1, owner: number | undefined): Json {
    const fields: Json[] = [];
    if (lead.contact.phones.length > 0) fields.push({ field_code: 'PHONE', values: lead.contact.phones.map((value) => ({ value, enum_code: 'WORK' })) });
    if (lead.contact.emails.length > 0) fields.push({ field_code: 'EMAIL', values: lead.contact.emails.map((value) => ({ value, enum_code: 'WORK' })) });
    return { name: lead.contact.name ?? lead.contact.phones[0] ?? lead.contact.emails[0] ?? 'Unknown', ...(owner !== undefined ? { responsible_user_id: owner } : {}), custom_fields_values: fields };
  }

  private leadBody(delivery: Delivery): Json {
    const { amocrm } = this.config;
    const owner = this.owner(delivery);
    return {
      name: leadTitle(delivery.lead),
      ...(amocrm.pipelineId !== undefined ? { pipeline_id: amocrm.pipelineId } : {}),
      ...(amocrm.statusId !== undefined ? { status_id: amocrm.statusId } : {}),
      ...(owner !== undefined ? { responsible_user_id: owner } : {}),
      ...(amocrm.keyFieldId !== undefined ? { custom_fields_values: [{ field_id: amocrm.keyFieldId, values: [{ value: delivery.idempotencyKey }] }] } : {}),
    };
  }

  private async createLead(delivery: Delivery, context: SendContext): Promise<DeliveryReceipt> {
    const { lead, idempotencyKey: key } = delivery;
    const known = await this.refs.get(this.id, 'lead', lead.leadId);
    const created = known ? { leadId: known, fresh: false } : await this.findOrCreateLead(delivery, context);
    // The request text as the lead's first note (the complex endpoint has no free-text field); recorded
    // so a retry after a failed note adds it once.
    if (!(await this.refs.get(this.id, 'activity', key))) {
      // A crash between the note's create and its ref leaves the note in amo: look before adding another.
      const existing = context.maybeRetry && !created.fresh ? await this.findNote(created.leadId, key) : undefined;
      if (existing) await this.refs.put(this.id, 'activity', key, existing, key);
      else {
        const answer = await this.client.request<Json>('POST', `/api/v4/leads/${created.leadId}/notes`, [{ note_type: 'common', params: { text: noteText(delivery) } }]);
        await this.refs.put(this.id, 'activity', key, firstEmbeddedId(answer, 'notes') ?? '', key);
      }
    }
    return { status: 200, externalId: created.leadId, body: { id: created.leadId, ...(created.contactId ? { contactId: created.contactId } : {}), ...(known ? { existing: true } : {}) } };
  }

  /** `fresh`: created by this attempt (so nothing hangs on it yet). */
  private async findOrCreateLead(delivery: Delivery, context: SendContext): Promise<{ leadId: string; contactId?: string; fresh: boolean }> {
    const { lead, idempotencyKey: key } = delivery;
    const keyFieldId = this.config.amocrm.keyFieldId;
    if (context.maybeRetry && keyFieldId !== undefined) {
      // `query` is a full-text search over the leads' filled fields: keep only an exact value in our field
      // (a search for lead:L1 also finds lead:L10).
      const found = await this.client.request<Json>('GET', `/api/v4/leads?query=${encodeURIComponent(key)}&limit=50`);
      const leads = isRecord(found?._embedded) && Array.isArray(found._embedded.leads) ? (found._embedded.leads as unknown[]) : [];
      const hit = leads.find((l) => hasFieldValue(l, keyFieldId, key));
      if (isRecord(hit) && hit.id !== undefined) {
        await this.refs.put(this.id, 'lead', lead.leadId, String(hit.id), key);
        return { leadId: String(hit.id), fresh: false };
      }
    }
    const owner = this.owner(delivery);
    let leadId: string;
    let contactId: string | undefined;
    if (this.config.amocrm.mode === 'unsorted') {
      ({ leadId, contactId } = await this.createUnsorted(delivery, owner));
    } else {
      const body = [{ ...this.leadBody(delivery), _embedded: { contacts: [this.contact(lead, owner)], tags: lead.tags.map((name) => ({ name })) } }];
      const answer = await this.client.request<unknown[]>('POST', '/api/v4/leads/complex', body);
      const first: unknown = Array.isArray(answer) ? answer[0] : undefined;
      leadId = isRecord(first) ? String(first.id) : '';
      contactId = isRecord(first) && first.contact_id !== undefined ? String(first.contact_id) : undefined;
    }
    await this.refs.put(this.id, 'lead', lead.leadId, leadId, key);
    if (contactId) await this.refs.put(this.id, 'contact', lead.contact.id, contactId, key);
    return { leadId, fresh: true, ...(contactId ? { contactId } : {}) };
  }

  private async createUnsorted(delivery: Delivery, owner: number | undefined): Promise<{ leadId: string; contactId?: string }> {
    const { lead } = delivery;
    const { amocrm } = this.config;
    const sip = lead.call !== undefined;
    const createdAt = Math.floor(Date.parse(lead.occurredAt) / 1000);
    const metadata = sip
      ? { uniq: lead.call?.callId, from: lead.call?.from ?? lead.contact.phones[0], phone: lead.call?.to ?? lead.call?.line, called_at: createdAt, duration: lead.call?.durationSec ?? 0, service_code: lead.call?.provider ?? 'leadgate', is_call_event_needed: true }
      : { form_id: lead.source.form ?? lead.connectorId, form_name: lead.connectorId, form_page: lead.source.page ?? '', form_sent_at: createdAt };
    const body = [
      {
        source_uid: amocrm.sourceUid,
        source_name: amocrm.sourceName,
        ...(amocrm.pipelineId !== undefined ? { pipeline_id: amocrm.pipelineId } : {}),
        created_at: createdAt,
        metadata,
        _embedded: { leads: [this.leadBody(delivery)], contacts: [this.contact(lead, owner)] },
      },
    ];
    const answer = await this.client.request<Json>('POST', `/api/v4/leads/unsorted/${sip ? 'sip' : 'forms'}`, body);
    const unsorted = isRecord(answer?._embedded) && Array.isArray(answer._embedded.unsorted) ? answer._embedded.unsorted : [];
    const first: unknown = unsorted[0];
    const embedded = isRecord(first) && isRecord(first._embedded) ? first._embedded : {};
    const leadIds = Array.isArray(embedded.leads) ? embedded.leads : [];
    const contactIds = Array.isArray(embedded.contacts) ? embedded.contacts : [];
    const l: unknown = leadIds[0];
    const c: unknown = contactIds[0];
    return { leadId: isRecord(l) ? String(l.id) : '', ...(isRecord(c) ? { contactId: String(c.id) } : {}) };
  }

  private async leadId(delivery: Delivery, context: SendContext): Promise<string> {
    const id = await this.refs.get(this.id, 'lead', delivery.lead.leadId);
    if (!id) throw missingTarget(this.id, `lead ${delivery.lead.leadId}`, context.priorAttempts);
    return id;
  }

  private async note(delivery: Delivery, context: SendContext): Promise<DeliveryReceipt> {
    const leadId = await this.leadId(delivery, context);
    if (delivery.kind === 'contact.erased') {
      // Clearing is a PATCH to fixed values, so a repeat changes nothing; the note records why.
      const contactId = await this.refs.get(this.id, 'contact', delivery.lead.contact.id);
      if (contactId) {
        await this.client.request('PATCH', `/api/v4/contacts/${contactId}`, {
          name: 'Erased',
          first_name: '',
          last_name: '',
          custom_fields_values: [{ field_code: 'PHONE', values: null }, { field_code: 'EMAIL', values: null }],
        });
      }
    }
    const existing = context.maybeRetry ? await this.findNote(leadId, delivery.idempotencyKey) : undefined;
    if (existing) return { status: 200, externalId: existing, body: { id: existing, existing: true } };
    const answer = await this.client.request<Json>('POST', `/api/v4/leads/${leadId}/notes`, [{ note_type: 'common', params: { text: noteText(delivery) } }]);
    const id = firstEmbeddedId(answer, 'notes');
    return { status: 200, ...(id ? { externalId: id } : {}), body: { id, leadId } };
  }

  /** The lead's note carrying the key's marker, if an earlier attempt added it. */
  private async findNote(leadId: string, key: string): Promise<string | undefined> {
    const listed = await this.client.request<Json>('GET', `/api/v4/leads/${leadId}/notes?limit=250`);
    const notes = isRecord(listed?._embedded) && Array.isArray(listed._embedded.notes) ? listed._embedded.notes : [];
    const hit: unknown = notes.find((n: unknown) => isRecord(n) && isRecord(n.params) && String(n.params.text ?? '').includes(marker(key)));
    return isRecord(hit) && hit.id !== undefined ? String(hit.id) : undefined;
  }

  private async createTask(delivery: Delivery, context: SendContext): Promise<DeliveryReceipt> {
    const taskId = delivery.callback?.taskId ?? delivery.idempotencyKey;
    const known = await this.refs.get(this.id, 'callback', taskId);
    if (known) return { status: 200, externalId: known, body: { id: known, existing: true } };
    const leadId = await this.leadId(delivery, context);
    if (context.maybeRetry) {
      const listed = await this.client.request<Json>('GET', `/api/v4/tasks?filter[entity_type]=leads&filter[entity_id]=${leadId}`);
      const tasks = isRecord(listed?._embedded) && Array.isArray(listed._embedded.tasks) ? listed._embedded.tasks : [];
      const hit: unknown = tasks.find((t: unknown) => isRecord(t) && String(t.text ?? '').includes(marker(delivery.idempotencyKey)));
      if (isRecord(hit)) {
        await this.refs.put(this.id, 'callback', taskId, String(hit.id), delivery.idempotencyKey);
        return { status: 200, externalId: String(hit.id), body: { id: String(hit.id), existing: true } };
      }
    }
    const owner = this.owner(delivery);
    const answer = await this.client.request<Json>('POST', '/api/v4/tasks', [
      {
        text: `${callbackSubject(delivery)}\n${marker(delivery.idempotencyKey)}`,
        complete_till: Math.floor(Date.parse(delivery.callback?.dueAt ?? new Date().toISOString()) / 1000),
        entity_id: Number(leadId),
        entity_type: 'leads',
        task_type_id: this.config.amocrm.taskTypeId,
        ...(owner !== undefined ? { responsible_user_id: owner } : {}),
      },
    ]);
    const id = firstEmbeddedId(answer, 'tasks') ?? '';
    await this.refs.put(this.id, 'callback', taskId, id, delivery.idempotencyKey);
    return { status: 200, externalId: id, body: { id, leadId } };
  }

  /** Both are PATCHes that set a state, so repeating one changes nothing. */
  private async changeTask(delivery: Delivery, context: SendContext): Promise<DeliveryReceipt> {
    const taskId = delivery.callback?.taskId ?? '';
    const id = await this.refs.get(this.id, 'callback', taskId);
    if (!id) throw missingTarget(this.id, `callback task ${taskId}`, context.priorAttempts);
    const body =
      delivery.kind === 'callback.close'
        ? { is_completed: true, result: { text: noteText(delivery) } }
        : { complete_till: Math.floor(Date.parse(delivery.callback?.dueAt ?? new Date().toISOString()) / 1000) };
    await this.client.request('PATCH', `/api/v4/tasks/${id}`, body);
    return { status: 200, externalId: id, body: { id } };
  }
}

function firstEmbeddedId(answer: Json | undefined, key: string): string | undefined {
  const list = isRecord(answer?._embedded) && Array.isArray(answer._embedded[key]) ? (answer._embedded[key] as unknown[]) : [];
  const first: unknown = list[0];
  return isRecord(first) && first.id !== undefined ? String(first.id) : undefined;
}

/** Whether a lead read from `GET /api/v4/leads` holds exactly `value` in custom field `fieldId`. */
function hasFieldValue(lead: unknown, fieldId: number, value: string): boolean {
  const fields = isRecord(lead) && Array.isArray(lead.custom_fields_values) ? (lead.custom_fields_values as unknown[]) : [];
  return fields.some((f) => isRecord(f) && f.field_id === fieldId && Array.isArray(f.values) && f.values.some((v: unknown) => isRecord(v) && v.value === value));
}
