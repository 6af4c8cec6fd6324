import { randomUUID } from 'node:crypto';
import pino from 'pino';
import type { ConnectorPlugin } from '../../connectors/connector.port.js';
import type { LeadDraft, MapResult } from '../../contracts/lead-draft.js';
import type { LeadV1 } from '../../contracts/lead.js';
import type { RawEventV1 } from '../../contracts/raw-event.js';
import { Topics } from '../../contracts/topics.js';
import { Normalizer } from '../../normalizer/normalizer.service.js';
import type { BusRecord } from '../../platform/bus/bus.port.js';
import { openStore } from '../../platform/store/open-store.js';
import type { Store } from '../../platform/store/store.port.js';
import { Metrics } from '../../platform/telemetry/metrics.js';
import { RecordingBus } from '../support/recording-bus.js';

const logger = pino({ level: 'silent' });

/** A test connector whose mapper returns the draft carried in the payload, so each case states its draft. */
const draftPlugin: ConnectorPlugin = {
  kind: 'draft',
  channel: 'form',
  configSchema: {},
  mapper: (e) => e.payload.draft as MapResult,
};

function record(draft: MapResult | Record<string, unknown>, receivedAt = new Date().toISOString(), eventId = randomUUID()): BusRecord {
  const raw: RawEventV1 = { v: 1, id: randomUUID(), connector: { id: 'c1', kind: 'draft' }, channel: 'form', receivedAt, providerEventId: eventId, payload: { draft }, meta: {} };
  return { topic: Topics.raw, key: `c1:${eventId}`, value: raw, headers: {}, offset: '0', partition: 0, timestamp: Date.now() };
}

const lead = (contact: LeadDraft['contact'], extra: Partial<LeadDraft> = {}): LeadDraft => ({ kind: 'lead', contact, ...extra });

describe('normalizer on the real store', () => {
  let store: Store;
  let bus: RecordingBus;
  let normalizer: Normalizer;

  const published = (): LeadV1[] => bus.records.filter((p) => p.topic === Topics.normalized).map((p) => p.value as LeadV1);

  beforeEach(async () => {
    store = await openStore({ kind: 'embedded' }, logger);
    bus = new RecordingBus();
    normalizer = new Normalizer({ bus, store, plugins: new Map([['draft', draftPlugin]]), metrics: new Metrics({ defaultMetrics: false }), logger, defaultRegion: 'RU', mergeWindowMinutes: 60 });
  });

  afterEach(async () => {
    await store.close();
  });

  test('the same raw event twice changes nothing and re-publishes the same record', async () => {
    const r = record(lead({ phones: ['89123456789'] }));
    await normalizer.handle(r);
    await normalizer.handle(r);
    const [a, b] = published();
    expect(b).toEqual(a);
    const [{ n }] = await store.query<{ n: string }>('select count(*)::text as n from leads');
    expect(n).toBe('1');
  });

  test('phone and e-mail spelled differently resolve to one contact; outside the window a new lead opens', async () => {
    const t0 = Date.parse('2026-01-01T10:00:00Z');
    await normalizer.handle(record(lead({ phones: ['+7 912 345-67-89'] }), new Date(t0).toISOString()));
    await normalizer.handle(record(lead({ phones: ['8 912 3456789'], emails: ['A@B.ru'] }), new Date(t0 + 30 * 60_000).toISOString()));
    await normalizer.handle(record(lead({ emails: ['a@b.ru '] }), new Date(t0 + 120 * 60_000).toISOString()));
    const [first, second, third] = published();
    expect(second.type).toBe('lead.activity');
    expect(second.leadId).toBe(first.leadId);
    expect(third.type).toBe('lead.created');
    expect(third.leadId).not.toBe(first.leadId);
    expect(new Set([first.contact.id, second.contact.id, third.contact.id]).size).toBe(1);
    expect([first.contact.isNew, second.contact.isNew, third.contact.isNew]).toEqual([true, false, false]);
  });

  test('a request linking two known contacts merges them into the older one and records the merge', async () => {
    await normalizer.handle(record(lead({ phones: ['+79120000001'] })));
    await normalizer.handle(record(lead({ emails: ['b@example.com'] })));
    await normalizer.handle(record(lead({ phones: ['+79120000001'], emails: ['b@example.com'] })));
    const [a, b, linked] = published();
    expect(a.contact.id).not.toBe(b.contact.id);
    expect(linked.contact.id).toBe(a.contact.id);
    const merges = await store.query<{ survivor_id: string; merged_id: string }>('select survivor_id, merged_id from contact_merges');
    expect(merges).toEqual([{ survivor_id: a.contact.id, merged_id: b.contact.id }]);
    const owners = await store.query<{ contact_id: string }>("select distinct contact_id from identities");
    expect(owners).toEqual([{ contact_id: a.contact.id }]);
  });

  test('a reply in a known thread joins that lead even after the window', async () => {
    const t0 = Date.parse('2026-02-01T10:00:00Z');
    await normalizer.handle(record(lead({ emails: ['client@example.com'] }, { threadKey: '<m1@example.com>' }), new Date(t0).toISOString()));
    await normalizer.handle(record(lead({ emails: ['client@example.com'] }, { threadRefs: ['<m1@example.com>'] }), new Date(t0 + 5 * 3600_000).toISOString()));
    const [first, reply] = published();
    expect(reply.type).toBe('lead.activity');
    expect(reply.leadId).toBe(first.leadId);
  });

  test('invalid phones are kept for the CRM but never used as identity', async () => {
    await normalizer.handle(record(lead({ name: 'X', phones: ['12-34'] })));
    await normalizer.handle(record(lead({ name: 'Y', phones: ['12-34'] })));
    const [a, b] = published();
    expect(a.contact.id).not.toBe(b.contact.id);
    expect(a.fields.unparsed_contacts).toBe('12-34');
  });

  test('malformed raw events, failing mappers and invalid drafts go to the DLQ with the reason', async () => {
    await normalizer.handle({ ...record(lead({})), value: { not: 'a raw event' } });
    await normalizer.handle(record({ kind: 'lead', contact: { phones: 'not-an-array' } }));
    const throwing = record(lead({}));
    (throwing.value as RawEventV1).connector.kind = 'nope';
    await normalizer.handle(throwing);
    const letters = bus.records.filter((p) => p.topic === Topics.dlq).map((p) => p.value as { code: string; reason: string });
    expect(letters.map((l) => l.code)).toEqual(['VALIDATION_FAILED', 'VALIDATION_FAILED', 'MAPPING_FAILED']);
    expect(letters[1].reason).toMatch(/\/contact\/phones/);
    expect(published()).toHaveLength(0);
  });

  test('an ignored event is recorded and publishes nothing', async () => {
    const r = record({ kind: 'ignore', reason: 'test request' });
    await normalizer.handle(r);
    const rows = await store.query<{ outcome: string }>('select outcome from raw_events where event_key = $1', [r.key]);
    expect(rows).toEqual([{ outcome: 'ignored: test request' }]);
    expect(published()).toHaveLength(0);
  });
});
