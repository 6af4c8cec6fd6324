import { randomUUID } from 'node:crypto';
import express from 'express';
import pino from 'pino';
import request from 'supertest';
import type { ConnectorPlugin } from '../../connectors/connector.port.js';
import type { LeadDraft, MapResult } from '../../contracts/lead-draft.js';
import type { ContactErasedV1, LeadV1 } from '../../contracts/lead.js';
import type { RawEventV1 } from '../../contracts/raw-event.js';
import { Topics } from '../../contracts/topics.js';
import { createLeadsAdminRouter } from '../../gateway/admin/leads.routes.js';
import { requireAdminToken } from '../../platform/http/admin-auth.js';
import { createIdentityAdmin } from '../../normalizer/identity-admin.service.js';
import { Normalizer } from '../../normalizer/normalizer.service.js';
import { replayRawEvents } from '../../normalizer/replay.service.js';
import type { BusRecord } from '../../platform/bus/bus.port.js';
import { errorHandler } from '../../platform/http/error-handler.js';
import { openStore } from '../../platform/store/open-store.js';
import type { Store } from '../../platform/store/store.port.js';
import { Metrics } from '../../platform/telemetry/metrics.js';
import { RecordingBus } from '../support/recording-bus.js';

const logger = pino({ level: 'silent' });
const TOKEN = 'admin-secret';

/** The mapper returns the draft carried in the payload; `broken: true` payloads fail until `fixed` is set. */
let fixed = false;
const draftPlugin: ConnectorPlugin = {
  kind: 'draft',
  channel: 'form',
  configSchema: {},
  mapper: (e) => {
    if (e.payload.broken && !fixed) throw new Error('mapper bug: cannot read field');
    return e.payload.draft as MapResult;
  },
};

function record(draft: MapResult, opts: { at?: string; channel?: RawEventV1['channel']; broken?: boolean; connectorId?: string } = {}): BusRecord {
  const eventId = randomUUID();
  const raw: RawEventV1 = {
    v: 1,
    id: randomUUID(),
    connector: { id: opts.connectorId ?? 'c1', kind: 'draft' },
    channel: opts.channel ?? 'form',
    receivedAt: opts.at ?? new Date().toISOString(),
    providerEventId: eventId,
    payload: { draft, ...(opts.broken ? { broken: true } : {}) },
    meta: { remoteIp: '203.0.113.9' },
  };
  return { topic: Topics.raw, key: `${raw.connector.id}:${eventId}`, value: raw, headers: {}, offset: '0', partition: 0, timestamp: Date.now() };
}

const lead = (contact: LeadDraft['contact'], extra: Partial<LeadDraft> = {}): LeadDraft => ({ kind: 'lead', contact, ...extra });
let phoneSeq = 1000;
const nextPhone = (): string => `+7912000${String(phoneSeq++).padStart(4, '0')}`;

describe('identity lifecycle: windows, closing, lineage, erasure, replay', () => {
  let store: Store;
  let bus: RecordingBus;
  let normalizer: Normalizer;
  let app: express.Express;

  const published = (): LeadV1[] => bus.records.filter((p) => p.topic === Topics.normalized && p.headers.type !== 'contact.erased').map((p) => p.value as LeadV1);
  const last = (): LeadV1 => published()[published().length - 1];

  beforeAll(async () => {
    store = await openStore({ kind: 'embedded' }, logger);
    bus = new RecordingBus();
    const metrics = new Metrics({ defaultMetrics: false });
    normalizer = new Normalizer({
      bus, store, plugins: new Map([['draft', draftPlugin]]), metrics, logger,
      defaultRegion: 'RU', mergeWindowMinutes: 1440, mergeWindows: { call: 60 }, normalization: { name: { titleCase: true } },
    });
    app = express();
    app.use('/v1', createLeadsAdminRouter({ identity: createIdentityAdmin(store, bus, { defaultRegion: 'RU' }), metrics, guard: requireAdminToken(TOKEN) }));
    app.use(errorHandler(logger));
  });

  afterAll(async () => {
    await store.close();
  });

  test('merge windows are per channel: a call two hours later opens a new lead, a form two hours later joins', async () => {
    const phone = nextPhone();
    const t0 = Date.parse('2026-03-01T10:00:00Z');
    await normalizer.handle(record(lead({ phones: [phone] }), { at: new Date(t0).toISOString() }));
    const first = last();
    await normalizer.handle(record(lead({ phones: [phone] }), { at: new Date(t0 + 120 * 60_000).toISOString() }));
    expect(last()).toMatchObject({ type: 'lead.activity', leadId: first.leadId });
    await normalizer.handle(record(lead({ phones: [phone] }), { at: new Date(t0 + 121 * 60_000).toISOString(), channel: 'call' }));
    expect(last().type).toBe('lead.created');
    expect(last().leadId).not.toBe(first.leadId);
  });

  test('a lead closed through the admin API is no longer open: the next request opens a new lead', async () => {
    const phone = nextPhone();
    await normalizer.handle(record(lead({ phones: [phone], name: 'иван ПЕТРОВ' })));
    const first = last();
    expect(first.contact.name).toBe('Иван Петров');
    await request(app).post(`/v1/leads/${first.leadId}/close`).expect(401);
    const closed = await request(app).post(`/v1/leads/${first.leadId}/close`).set('authorization', `Bearer ${TOKEN}`).expect(200);
    expect(closed.body).toMatchObject({ status: 'closed', alreadyClosed: false });
    await request(app).post(`/v1/leads/${first.leadId}/close`).set('authorization', `Bearer ${TOKEN}`).expect(200, /"alreadyClosed":true/);
    await request(app).post('/v1/leads/nope/close').set('authorization', `Bearer ${TOKEN}`).expect(404);
    await normalizer.handle(record(lead({ phones: [phone] })));
    expect(last()).toMatchObject({ type: 'lead.created', contact: { id: first.contact.id } });
    expect(last().leadId).not.toBe(first.leadId);
  });

  test('the record that merges contacts names the merged ones; lineage shows every raw event and the merge', async () => {
    const phone = nextPhone();
    const email = `m${phoneSeq}@example.com`;
    const t0 = Date.now();
    const a = record(lead({ phones: [phone] }), { at: new Date(t0).toISOString() });
    const b = record(lead({ emails: [email] }), { at: new Date(t0 + 1000).toISOString() });
    const link = record(lead({ phones: [phone], emails: [email] }), { at: new Date(t0 + 2000).toISOString() });
    await normalizer.handle(a);
    const older = last();
    await normalizer.handle(b);
    const younger = last();
    await normalizer.handle(link);
    const merged = last();
    expect(merged.contact.id).toBe(older.contact.id);
    expect(merged.mergedContactIds).toEqual([younger.contact.id]);
    expect(older.mergedContactIds).toBeUndefined();
    // The linking request joins the person's youngest open lead (the e-mail's), which moved to the survivor.
    expect(merged).toMatchObject({ type: 'lead.activity', leadId: younger.leadId });

    await request(app).get(`/v1/leads/${older.leadId}/lineage`).expect(401);
    const res = await request(app).get(`/v1/leads/${older.leadId}/lineage`).set('authorization', `Bearer ${TOKEN}`).expect(200);
    expect(res.body.lead.map((e: { eventKey: string }) => e.eventKey)).toEqual([a.key]);
    const youngest = await request(app).get(`/v1/leads/${younger.leadId}/lineage`).set('authorization', `Bearer ${TOKEN}`).expect(200);
    expect(youngest.body.lead.map((e: { eventKey: string }) => e.eventKey).sort()).toEqual([b.key, link.key].sort());
    expect(res.body.contact.map((e: { eventKey: string }) => e.eventKey).sort()).toEqual([a.key, b.key, link.key].sort());
    expect(res.body.contact[0]).toMatchObject({ connectorId: 'c1', outcome: 'lead', raw: { payload: { draft: expect.any(Object) } } });
    expect(res.body.contactCreatedBy).toBe(a.key);
    expect(res.body.merges).toEqual([expect.objectContaining({ survivorId: older.contact.id, mergedId: younger.contact.id, triggerEventKey: link.key })]);
  });

  test('erasure removes the person from the store, publishes contact.erased, and the identity later makes a new contact', async () => {
    const phone = nextPhone();
    const email = `e${phoneSeq}@example.com`;
    const t0 = Date.now();
    const a = record(lead({ phones: [phone], name: 'Erase Me' }, { message: 'call me' }), { at: new Date(t0).toISOString() });
    await normalizer.handle(a);
    const phoneLead = last();
    await normalizer.handle(record(lead({ emails: [email] }), { at: new Date(t0 + 1000).toISOString() }));
    const emailLead = last();
    await normalizer.handle(record(lead({ phones: [phone], emails: [email] }), { at: new Date(t0 + 2000).toISOString() }));
    const victim = last();

    const res = await request(app).post('/v1/admin/contacts/erase').set('authorization', `Bearer ${TOKEN}`).send({ phone: `8${phone.slice(2)}` }).expect(200);
    expect(res.body).toMatchObject({ status: 'erased', contactId: victim.contact.id, identities: 2, rawEvents: 3 });
    expect(res.body.mergedContactIds).toHaveLength(1);

    const dump = JSON.stringify(await store.query('select * from raw_events r join lead_activities a on a.event_key = r.event_key join leads l on l.id = a.lead_id where l.contact_id = $1', [victim.contact.id]));
    expect(dump).not.toContain(phone);
    expect(dump).not.toContain(email);
    expect(dump).not.toContain('Erase Me');
    expect(dump).not.toContain('call me');
    expect(dump).not.toContain('203.0.113.9');
    const names = await store.query<{ name: string | null }>('select name from contacts where id = any($1::text[])', [[victim.contact.id, ...res.body.mergedContactIds]]);
    expect(names.every((n) => n.name === null)).toBe(true);
    expect(await store.query('select 1 from identities where contact_id = $1', [victim.contact.id])).toEqual([]);

    const erased = bus.records.filter((r) => r.headers.type === 'contact.erased').map((r) => r.value as ContactErasedV1);
    expect(erased[erased.length - 1]).toMatchObject({ type: 'contact.erased', contactId: victim.contact.id, mergedContactIds: [emailLead.contact.id] });
    expect(victim.leadId).toBe(emailLead.leadId);
    expect(erased[erased.length - 1].leadIds.sort()).toEqual([phoneLead.leadId, emailLead.leadId].sort());

    await request(app).post('/v1/admin/contacts/erase').set('authorization', `Bearer ${TOKEN}`).send({ email }).expect(200, /already_erased/);
    await request(app).post('/v1/admin/contacts/erase').set('authorization', `Bearer ${TOKEN}`).send({ email: 'nobody@example.com' }).expect(404);
    await request(app).post('/v1/admin/contacts/erase').set('authorization', `Bearer ${TOKEN}`).send({ phone, email }).expect(422);

    // Redelivery of an erased event re-publishes the scrubbed record, not the person.
    await normalizer.handle(a);
    expect(JSON.stringify(last())).not.toContain(phone);

    await normalizer.handle(record(lead({ phones: [phone] })));
    expect(last().contact).toMatchObject({ isNew: true, phones: [phone] });
    expect(last().contact.id).not.toBe(victim.contact.id);
  });

  test('replay: a dead-lettered event is stored, then recovered after a mapper fix; replaying again changes nothing; --remap keeps ids', async () => {
    const phone = nextPhone();
    const from = new Date(Date.now() - 1000).toISOString();
    const broken = record(lead({ phones: [phone] }, { message: 'v1' }), { broken: true, connectorId: 'c-replay' });
    await normalizer.handle(broken);
    expect(bus.records.filter((r) => r.topic === Topics.dlq && r.key === broken.key)).toHaveLength(1);
    const [row] = await store.query<{ outcome: string }>('select outcome from raw_events where event_key = $1', [broken.key]);
    expect(row.outcome).toBe('dead_lettered: MAPPING_FAILED');
    // A redelivery of the same raw record does not process it behind the DLQ's back.
    await normalizer.handle(broken);
    expect(published().filter((l) => l.contact.phones.includes(phone))).toHaveLength(0);

    const to = new Date(Date.now() + 1000).toISOString();
    const failing = await replayRawEvents(normalizer, store, { from, to, connectorId: 'c-replay' });
    expect(failing).toMatchObject({ scanned: 1, stillFailing: 1, recovered: 0 });

    fixed = true;
    const recovered = await replayRawEvents(normalizer, store, { from, to, connectorId: 'c-replay' });
    expect(recovered).toMatchObject({ scanned: 1, recovered: 1 });
    const made = last();
    expect(made).toMatchObject({ type: 'lead.created', contact: { phones: [phone] } });

    const again = await replayRawEvents(normalizer, store, { from, to, connectorId: 'c-replay' });
    expect(again).toMatchObject({ scanned: 1, skipped: 1, recovered: 0 });
    const [{ n }] = await store.query<{ n: string }>('select count(*)::text as n from leads l join identities i on i.contact_id = l.contact_id where i.value = $1', [phone]);
    expect(n).toBe('1');

    const before = published().length;
    const remapped = await replayRawEvents(normalizer, store, { from, to, connectorId: 'c-replay', remap: true });
    expect(remapped).toMatchObject({ scanned: 1, remapped: 1 });
    const republished = published().slice(before);
    expect(republished).toHaveLength(1);
    expect(republished[0]).toMatchObject({ leadId: made.leadId, activityId: made.activityId, contact: { id: made.contact.id } });
    const other = await replayRawEvents(normalizer, store, { from, to, connectorId: 'other' });
    expect(other.scanned).toBe(0);
  });
});
