import { randomUUID } from 'node:crypto';
import express from 'express';
import pino from 'pino';
import request from 'supertest';
import type { ConnectorPlugin } from '../../connectors/connector.port.js';
import type { LeadDraft, MapResult } from '../../contracts/lead-draft.js';
import type { LeadV1 } from '../../contracts/lead.js';
import type { RawEventV1 } from '../../contracts/raw-event.js';
import { Topics } from '../../contracts/topics.js';
import { createLeadsAdminRouter } from '../../gateway/admin/leads.routes.js';
import { requireAdminToken } from '../../platform/http/admin-auth.js';
import { createIdentityAdmin } from '../../normalizer/identity-admin.service.js';
import { Normalizer } from '../../normalizer/normalizer.service.js';
import type { BusRecord } from '../../platform/bus/bus.port.js';
import { errorHandler } from '../../platform/http/error-handler.js';
import { openStore } from '../../platform/store/open-store.js';
import type { Store } from '../../platform/store/store.port.js';
import { Metrics } from '../../platform/telemetry/metrics.js';
import { RecordingBus } from '../support/recording-bus.js';

/** Admin API details beyond the lifecycle: body validation, contact lineage, per-connector windows, erasure reach. */
const logger = pino({ level: 'silent' });
const TOKEN = 'admin-secret';
const auth = { authorization: `Bearer ${TOKEN}` };

const draftPlugin: ConnectorPlugin = { kind: 'draft', channel: 'form', configSchema: {}, mapper: (e) => e.payload.draft as MapResult };

function record(draft: LeadDraft, at: string, connectorId = 'c1', channel: RawEventV1['channel'] = 'form'): BusRecord {
  const eventId = randomUUID();
  const raw: RawEventV1 = { v: 1, id: randomUUID(), connector: { id: connectorId, kind: 'draft' }, channel, receivedAt: at, providerEventId: eventId, payload: { draft }, meta: {} };
  return { topic: Topics.raw, key: `${connectorId}:${eventId}`, value: raw, headers: {}, offset: '0', partition: 0, timestamp: Date.now() };
}

let seq = 2000;
const nextPhone = (): string => `+7912111${String(seq++).padStart(4, '0')}`;
const lead = (contact: LeadDraft['contact']): LeadDraft => ({ kind: 'lead', contact });

describe('identity admin API and erasure reach', () => {
  let store: Store;
  let bus: RecordingBus;
  let normalizer: Normalizer;
  let app: express.Express;
  const last = (): LeadV1 => bus.records.filter((r) => r.topic === Topics.normalized && r.headers.type !== 'contact.erased').map((r) => r.value as LeadV1).at(-1) as LeadV1;

  beforeAll(async () => {
    store = await openStore({ kind: 'embedded' }, logger);
    bus = new RecordingBus();
    const metrics = new Metrics({ defaultMetrics: false });
    normalizer = new Normalizer({ bus, store, plugins: new Map([['draft', draftPlugin]]), metrics, logger, defaultRegion: 'RU', mergeWindowMinutes: 1440, mergeWindows: { call: 60, promo: 5 } });
    app = express();
    app.use('/v1', createLeadsAdminRouter({ identity: createIdentityAdmin(store, bus, { defaultRegion: 'RU' }), metrics, guard: requireAdminToken(TOKEN) }));
    app.use(errorHandler(logger));
  });

  afterAll(async () => {
    await store.close();
  });

  test('a connector window overrides the channel window', async () => {
    const phone = nextPhone();
    const t0 = Date.parse('2026-02-01T10:00:00Z');
    await normalizer.handle(record(lead({ phones: [phone] }), new Date(t0).toISOString(), 'promo'));
    const first = last();
    // Ten minutes later: inside the form window (a day), outside the promo connector's five minutes.
    await normalizer.handle(record(lead({ phones: [phone] }), new Date(t0 + 10 * 60_000).toISOString(), 'promo'));
    expect(last()).toMatchObject({ type: 'lead.created', contact: { id: first.contact.id } });
    await normalizer.handle(record(lead({ phones: [phone] }), new Date(t0 + 12 * 60_000).toISOString(), 'c1'));
    expect(last()).toMatchObject({ type: 'lead.activity' });
    expect(normalizer.windowFor('form', 'constructor')).toBe(1440);
  });

  test('close: the body is validated (unknown key 422, wrong media type 415), a reason is kept, the token is required', async () => {
    await normalizer.handle(record(lead({ phones: [nextPhone()] }), new Date().toISOString()));
    const { leadId } = last();
    await request(app).post(`/v1/leads/${leadId}/close`).send({ reason: 'won' }).expect(401);
    await request(app).post(`/v1/leads/${leadId}/close`).set('authorization', 'Bearer wrong').send({ reason: 'won' }).expect(401);
    const bad = await request(app).post(`/v1/leads/${leadId}/close`).set(auth).send({ reson: 'won' }).expect(422);
    expect(JSON.stringify(bad.body)).toContain('reson');
    await request(app).post(`/v1/leads/${leadId}/close`).set(auth).send({ reason: 7 }).expect(422);
    await request(app).post(`/v1/leads/${leadId}/close`).set(auth).type('form').send('reason=won').expect(415);
    const ok = await request(app).post(`/v1/leads/${leadId}/close`).set(auth).send({ reason: 'won' }).expect(200);
    expect(ok.body).toMatchObject({ leadId, status: 'closed', reason: 'won', alreadyClosed: false });
    const again = await request(app).post(`/v1/leads/${leadId}/close`).set(auth).send({ reason: 'lost' }).expect(200);
    expect(again.body).toMatchObject({ reason: 'won', alreadyClosed: true, closedAt: ok.body.closedAt });
  });

  test('erase: the body is validated by schema before anything is touched', async () => {
    for (const body of [{}, { phone: '' }, { phone: '   ' }, { phone: nextPhone(), email: 'a@b.ru' }, { mobile: '+79120000000' }, { phone: 79120000000 }]) {
      await request(app).post('/v1/admin/contacts/erase').set(auth).send(body).expect(422);
    }
    await request(app).post('/v1/admin/contacts/erase').set(auth).send({ phone: 'not a phone' }).expect(422);
    await request(app).post('/v1/admin/contacts/erase').send({ phone: nextPhone() }).expect(401);
  });

  test('contact lineage: every raw event of the person, the merge, and a merged id answers for the survivor', async () => {
    const phone = nextPhone();
    const email = `lin${seq}@example.com`;
    const t0 = Date.now() - 60_000;
    const a = record(lead({ phones: [phone] }), new Date(t0).toISOString());
    const b = record(lead({ emails: [email] }), new Date(t0 + 1000).toISOString(), 'c1', 'email');
    const link = record(lead({ phones: [phone], emails: [email] }), new Date(t0 + 2000).toISOString());
    await normalizer.handle(a);
    const survivor = last().contact.id;
    await normalizer.handle(b);
    const merged = last().contact.id;
    await normalizer.handle(link);

    await request(app).get(`/v1/contacts/${survivor}/lineage`).expect(401);
    const res = await request(app).get(`/v1/contacts/${survivor}/lineage`).set(auth).expect(200);
    expect(res.body).toMatchObject({ contactId: survivor, erased: false, contactCreatedBy: a.key });
    expect(res.body.contact.map((e: { eventKey: string }) => e.eventKey)).toEqual([a.key, b.key, link.key]);
    expect(res.body.merges).toEqual([expect.objectContaining({ survivorId: survivor, mergedId: merged, triggerEventKey: link.key })]);
    expect(res.body.leads).toHaveLength(2);
    const viaMerged = await request(app).get(`/v1/contacts/${merged}/lineage`).set(auth).expect(200);
    expect(viaMerged.body).toMatchObject({ contactId: survivor, requestedId: merged });
    await request(app).get('/v1/contacts/nope/lineage').set(auth).expect(404);
  });

  test('erase by a merged contact id erases the person; dead letters and callback tasks lose the personal data too', async () => {
    const phone = nextPhone();
    const email = `dl${seq}@example.com`;
    const t0 = Date.now() - 60_000;
    const a = record(lead({ phones: [phone] }), new Date(t0).toISOString());
    await normalizer.handle(a);
    const survivor = last();
    await normalizer.handle(record(lead({ emails: [email] }), new Date(t0 + 1000).toISOString()));
    const merged = last().contact.id;
    await normalizer.handle(record(lead({ phones: [phone], emails: [email] }), new Date(t0 + 2000).toISOString()));
    // What other stages keep about this person: a dead letter of a raw event and of a delivery, a callback task.
    await store.query("insert into dead_letters (fingerprint, stage, key, code, reason, record, source_topic, failed_at) values ($1, 'normalizer', $2, 'MAPPING_FAILED', 'x', $3, 'leads.raw.v1', now())", [
      randomUUID(), a.key, JSON.stringify(a.value),
    ]);
    await store.query("insert into dead_letters (fingerprint, stage, key, code, reason, record, response, source_topic, failed_at) values ($1, 'router', 'lead:x', 'DESTINATION_REJECTED', 'x', $2, $3, 'leads.normalized.v1', now())", [
      randomUUID(), JSON.stringify({ kind: 'lead.create', lead: survivor }), JSON.stringify({ status: 400, body: { phone } }),
    ]);
    await store.query("insert into callback_tasks (id, contact_id, lead_id, phone, owner_id, due_at, attempts, last_call_at, status) values ($1, $2, $3, $4, 'a', now(), 1, now(), 'open')", [
      randomUUID(), survivor.contact.id, survivor.leadId, phone,
    ]);

    const res = await request(app).post('/v1/admin/contacts/erase').set(auth).send({ contactId: merged }).expect(200);
    expect(res.body).toMatchObject({ status: 'erased', contactId: survivor.contact.id, mergedContactIds: [merged], identities: 2, rawEvents: 3, deadLetters: 2, callbackTasks: 1 });
    const leftovers = JSON.stringify(await store.query('select record, response from dead_letters')) + JSON.stringify(await store.query('select phone from callback_tasks'));
    expect(leftovers).not.toContain(phone);
    expect(leftovers).not.toContain(email);
    const lineage = await request(app).get(`/v1/leads/${survivor.leadId}/lineage`).set(auth).expect(200);
    expect(lineage.body.erased).toBe(true);
    expect(lineage.body.contact).toHaveLength(3);
    expect(JSON.stringify(lineage.body)).not.toContain(phone);
  });
});
