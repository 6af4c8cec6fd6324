import nock from 'nock';
import pino from 'pino';
import type { Delivery } from '../../contracts/delivery.js';
import type { LeadV1 } from '../../contracts/lead.js';
import { openStore } from '../../platform/store/open-store.js';
import type { Store } from '../../platform/store/store.port.js';
import { Metrics } from '../../platform/telemetry/metrics.js';
import { Deliverer } from '../../router/deliverer.js';
import { DeliveryLedger } from '../../router/delivery.ledger.js';
import type { DestinationConfig } from '../../router/destinations/destination.config.js';
import { createBareDestination } from '../../router/destinations/destination.factory.js';
import { StoreDestinationRefs } from '../../router/destinations/destination-refs.js';
import { RecordingBus } from '../support/recording-bus.js';

/**
 * The recovery path of the two-phase ledger, per destination, against each CRM's wire format (nock) and a
 * real ledger (PGlite): a delivery whose intent a crash left without an outcome is looked up in the CRM
 * first; found → nothing is created and the ledger closes the row; not found → created once. Any request
 * nock does not expect (a second create) fails the delivery, so the ledger would not say `delivered`.
 */

const logger = pino({ level: 'silent' });
const lead: LeadV1 = {
  v: 1, type: 'lead.created', leadId: 'L1', activityId: 'A1',
  contact: { id: 'C1', isNew: true, name: 'Ivan Petrov', phones: ['+79161234567'], emails: ['ivan@example.com'], ids: [] },
  channel: 'form', connectorId: 'site', message: 'Call me', source: {}, fields: {}, tags: [], spam: false,
  occurredAt: '2026-05-01T10:00:00.000Z', normalizedAt: '2026-05-01T10:00:01.000Z', lineage: { rawEventIds: ['r1'] },
};
const delivery: Delivery = { kind: 'lead.create', idempotencyKey: 'lead:L1', ownerId: 'anna', lead };
const common = { timeoutMs: 2000, ownerMap: {}, circuitBreaker: { consecutiveFailures: 5, halfOpenAfterMs: 1000 } };

let store: Store;
let ledger: DeliveryLedger;
let n = 0;

/** A fresh destination id per test: its own ledger and ref rows. */
function harness(make: (id: string) => DestinationConfig): { id: string; deliverer: Deliverer; bus: RecordingBus } {
  const id = `d${++n}`;
  const bus = new RecordingBus();
  const destination = createBareDestination(make(id), new StoreDestinationRefs(store));
  const deliverer = new Deliverer({ bus, ledger, destination, metrics: new Metrics(), logger, policy: { attempts: 1, initialMs: 1, maxMs: 1 } });
  return { id, deliverer, bus };
}

/** What a process killed mid-send leaves behind: the intent, no outcome. */
async function crashedMidSend(id: string): Promise<void> {
  await ledger.intend(id, delivery.idempotencyKey, lead.leadId);
}

async function expectDelivered(id: string, bus: RecordingBus, externalId: string): Promise<void> {
  expect(bus.records).toEqual([]);
  expect(await ledger.status(id, delivery.idempotencyKey)).toBe('delivered');
  const [row] = await store.query<{ external_id: string }>('select external_id from deliveries where destination = $1', [id]);
  expect(row?.external_id).toBe(externalId);
}

beforeAll(async () => {
  nock.disableNetConnect();
  store = await openStore({ kind: 'embedded' }, logger);
  ledger = new DeliveryLedger(store);
});
afterEach(() => {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  expect(pending).toEqual([]);
});
afterAll(async () => {
  nock.enableNetConnect();
  await store.close();
});

describe('webhook: optional lookupUrl', () => {
  const crm = 'http://crm.example';
  const config = (id: string): DestinationConfig => ({ id, kind: 'webhook', url: `${crm}/leads`, lookupUrl: `${crm}/leads/lookup`, ...common });

  test('first send: the intent is in the ledger before the request leaves, and no lookup is made', async () => {
    const { id, deliverer, bus } = harness(config);
    let statusDuringSend: string | undefined;
    nock(crm)
      .post('/leads')
      .reply(async () => {
        statusDuringSend = await ledger.status(id, delivery.idempotencyKey);
        return [201, { id: 'crm-1' }];
      });
    await deliverer.deliver(delivery);
    expect(statusDuringSend).toBe('sending');
    await expectDelivered(id, bus, 'crm-1');
  });

  test('in doubt, the receiver has it: GET lookup answers 200, nothing is posted', async () => {
    const { id, deliverer, bus } = harness(config);
    await crashedMidSend(id);
    nock(crm).get('/leads/lookup').query({ idempotencyKey: 'lead:L1' }).reply(200, { id: 'crm-1' });
    await deliverer.deliver(delivery);
    await expectDelivered(id, bus, 'crm-1');
  });

  test('in doubt, the receiver does not have it: 404, then posted once', async () => {
    const { id, deliverer, bus } = harness(config);
    await crashedMidSend(id);
    nock(crm).get('/leads/lookup').query({ idempotencyKey: 'lead:L1' }).reply(404).post('/leads').once().reply(201, { id: 'crm-2' });
    await deliverer.deliver(delivery);
    await expectDelivered(id, bus, 'crm-2');
  });

  test('a failing lookup is not read as "not there": nothing is posted, the delivery is retried later', async () => {
    const { id, deliverer, bus } = harness(config);
    await crashedMidSend(id);
    nock(crm).get('/leads/lookup').query(true).reply(503);
    await deliverer.deliver(delivery);
    expect(bus.records.map((r) => r.topic)).toEqual(['leads.delivery.retry.v1']);
    expect(await ledger.status(id, delivery.idempotencyKey)).toBe('retrying');
  });

  test('without lookupUrl a delivery in doubt is sent again with the same Idempotency-Key (at-least-once)', async () => {
    const { id, deliverer, bus } = harness((i) => ({ id: i, kind: 'webhook', url: `${crm}/leads`, ...common }));
    await crashedMidSend(id);
    nock(crm, { reqheaders: { 'idempotency-key': 'lead:L1' } }).post('/leads').reply(201, { id: 'crm-3' });
    await deliverer.deliver(delivery);
    await expectDelivered(id, bus, 'crm-3');
  });
});

describe('bitrix24: ORIGIN_ID lookup', () => {
  const portal = 'https://acme.bitrix24.example';
  const base = '/rest/7/code';
  const config = (id: string): DestinationConfig => ({ id, kind: 'bitrix24', bitrix24: { webhookUrl: `${portal}${base}/`, sourceId: 'WEB', linkDuplicates: false }, ...common });

  test('in doubt, the portal has it: crm.item.list by originatorId/originId finds it, no crm.item.add', async () => {
    const { id, deliverer, bus } = harness(config);
    await crashedMidSend(id);
    let cmd: Record<string, string> = {};
    nock(portal)
      .post(`${base}/batch.json`, (b: { cmd: Record<string, string> }) => ((cmd = b.cmd), true))
      .reply(200, { result: { result: { origin: { items: [{ id: 1001 }] } }, result_error: [] } });
    await deliverer.deliver(delivery);
    const origin = new URLSearchParams((cmd.origin ?? '').split('?')[1]);
    expect([(cmd.origin ?? '').split('?')[0], origin.get('filter[originatorId]'), origin.get('filter[originId]')]).toEqual(['crm.item.list', 'leadgate', 'lead:L1']);
    await expectDelivered(id, bus, '1001');
  });

  test('in doubt, the portal does not have it: created once', async () => {
    const { id, deliverer, bus } = harness(config);
    await crashedMidSend(id);
    nock(portal)
      .post(`${base}/batch.json`).reply(200, { result: { result: { origin: { items: [] } }, result_error: [] } })
      .post(`${base}/crm.item.add.json`).once().reply(200, { result: { item: { id: 1002 } } });
    await deliverer.deliver(delivery);
    await expectDelivered(id, bus, '1002');
  });
});

describe('amoCRM: keyFieldId lookup', () => {
  const api = 'https://acme.amocrm.example';
  const config = (id: string): DestinationConfig => ({
    id, kind: 'amocrm', ...common,
    amocrm: { baseUrl: api, token: 't', mode: 'complex', sourceName: 'Leadgate', sourceUid: 'leadgate', taskTypeId: 1, keyFieldId: 3333 },
  });
  const ours = { id: 501, custom_fields_values: [{ field_id: 3333, values: [{ value: 'lead:L1' }] }] };
  const decoy = { id: 499, custom_fields_values: [{ field_id: 3333, values: [{ value: 'lead:L10' }] }] };

  test('in doubt, amo has the lead and its note: found by exact key value, nothing created', async () => {
    const { id, deliverer, bus } = harness(config);
    await crashedMidSend(id);
    nock(api)
      .get('/api/v4/leads').query({ query: 'lead:L1', limit: '50' }).reply(200, { _embedded: { leads: [decoy, ours] } })
      .get('/api/v4/leads/501/notes').query({ limit: '250' }).reply(200, { _embedded: { notes: [{ id: 701, params: { text: 'New request\n[leadgate:lead:L1]' } }] } });
    await deliverer.deliver(delivery);
    await expectDelivered(id, bus, '501');
  });

  test('in doubt, amo has the lead but not the note: only the note is added', async () => {
    const { id, deliverer, bus } = harness(config);
    await crashedMidSend(id);
    nock(api)
      .get('/api/v4/leads').query(true).reply(200, { _embedded: { leads: [ours] } })
      .get('/api/v4/leads/501/notes').query(true).reply(204)
      .post('/api/v4/leads/501/notes').once().reply(200, { _embedded: { notes: [{ id: 702 }] } });
    await deliverer.deliver(delivery);
    await expectDelivered(id, bus, '501');
  });

  test('in doubt, amo does not have it (only a similar key): created once, key in the custom field', async () => {
    const { id, deliverer, bus } = harness(config);
    await crashedMidSend(id);
    let complex: unknown;
    nock(api)
      .get('/api/v4/leads').query(true).reply(200, { _embedded: { leads: [decoy] } })
      .post('/api/v4/leads/complex', (b: unknown) => ((complex = b), true)).once().reply(200, [{ id: 502, contact_id: 602 }])
      .post('/api/v4/leads/502/notes').once().reply(200, { _embedded: { notes: [{ id: 703 }] } });
    await deliverer.deliver(delivery);
    expect(complex).toMatchObject([{ custom_fields_values: [{ field_id: 3333, values: [{ value: 'lead:L1' }] }] }]);
    await expectDelivered(id, bus, '502');
  });
});

describe('HubSpot: marker lookup through associations (no dealKeyProperty)', () => {
  const api = 'https://api.hubapi.example';
  const config = (id: string): DestinationConfig => ({ id, kind: 'hubspot', ...common, hubspot: { baseUrl: api, token: 't', timeZone: 'UTC' } });
  const upsert = { status: 'COMPLETE', results: [{ id: '101', new: false }] };

  test('in doubt, HubSpot has the deal and its note: found via the contact and the deal, nothing created', async () => {
    const { id, deliverer, bus } = harness(config);
    await crashedMidSend(id);
    nock(api)
      .post('/crm/v3/objects/contacts/batch/upsert').reply(200, upsert)
      .get('/crm/v4/objects/contacts/101/associations/deals').query(true).reply(200, { results: [{ toObjectId: 200 }, { toObjectId: 201 }] })
      .post('/crm/v3/objects/deals/batch/read', { properties: ['description'], inputs: [{ id: '200' }, { id: '201' }] })
      .reply(200, { results: [{ id: '200', properties: { description: '[leadgate:lead:L0]' } }, { id: '201', properties: { description: '[leadgate:lead:L1]' } }] })
      .get('/crm/v4/objects/deals/201/associations/notes').query(true).reply(200, { results: [{ toObjectId: 301 }] })
      .post('/crm/v3/objects/notes/batch/read').reply(200, { results: [{ id: '301', properties: { hs_note_body: 'New request\n[leadgate:lead:L1]' } }] });
    await deliverer.deliver(delivery);
    await expectDelivered(id, bus, '201');
  });

  test('in doubt, HubSpot does not have the deal: deal created once with the marker, its note once', async () => {
    const { id, deliverer, bus } = harness(config);
    await crashedMidSend(id);
    let deal: { properties?: Record<string, string> } = {};
    nock(api)
      .post('/crm/v3/objects/contacts/batch/upsert').reply(200, upsert)
      .get('/crm/v4/objects/contacts/101/associations/deals').query(true).reply(200, { results: [] })
      .post('/crm/v3/objects/deals', (b: typeof deal) => ((deal = b), true)).once().reply(201, { id: '202' })
      .post('/crm/v3/objects/notes').once().reply(201, { id: '302' });
    await deliverer.deliver(delivery);
    expect(deal.properties?.description).toBe('[leadgate:lead:L1]');
    await expectDelivered(id, bus, '202');
  });

  test('with dealKeyProperty the upsert by our key is the lookup: an existing deal is updated, not duplicated', async () => {
    const { id, deliverer, bus } = harness((i) => ({ id: i, kind: 'hubspot', ...common, hubspot: { baseUrl: api, token: 't', timeZone: 'UTC', dealKeyProperty: 'leadgate_key' } }));
    await crashedMidSend(id);
    nock(api)
      .post('/crm/v3/objects/contacts/batch/upsert').reply(200, upsert)
      .post('/crm/v3/objects/deals/batch/upsert', { inputs: [{ id: 'lead:L1', idProperty: 'leadgate_key', properties: { dealname: 'form: Ivan Petrov', leadgate_key: 'lead:L1' } }] })
      .reply(200, { status: 'COMPLETE', results: [{ id: '201', new: false }] })
      .put('/crm/v4/objects/deals/201/associations/default/contacts/101').reply(200, {})
      .get('/crm/v4/objects/deals/201/associations/notes').query(true).reply(200, { results: [{ toObjectId: 301 }] })
      .post('/crm/v3/objects/notes/batch/read').reply(200, { results: [{ id: '301', properties: { hs_note_body: '[leadgate:lead:L1]' } }] });
    await deliverer.deliver(delivery);
    await expectDelivered(id, bus, '201');
  });
});
