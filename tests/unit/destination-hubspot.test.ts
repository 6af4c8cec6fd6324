import nock from 'nock';
import type { Delivery, DeliveryKind } from '../../contracts/delivery.js';
import type { LeadV1 } from '../../contracts/lead.js';
import { LeadgateError } from '../../contracts/errors.js';
import type { HubSpotDestinationConfig, HubSpotSettings } from '../../router/destinations/destination.config.js';
import { MemoryDestinationRefs } from '../../router/destinations/destination-refs.js';
import { HubSpotDestination } from '../../router/destinations/hubspot.destination.js';
import { nextMidnight } from '../../router/destinations/hubspot.client.js';

const api = 'https://api.hubapi.example';
const auth = { reqheaders: { authorization: 'Bearer pat-eu1-token' } };
const lead: LeadV1 = {
  v: 1, type: 'lead.created', leadId: 'L1', activityId: 'A1',
  contact: { id: 'C1', isNew: true, name: 'Ivan Petrov', phones: ['+79161234567'], emails: ['ivan@example.com'], ids: [] },
  channel: 'form', connectorId: 'site', message: 'Call me', source: {}, fields: {}, tags: [], spam: false,
  occurredAt: '2026-05-01T10:00:00.000Z', normalizedAt: '2026-05-01T10:00:01.000Z', lineage: { rawEventIds: ['r1'] },
};
const callback = { taskId: 'T1', phone: '+79161234567', dueAt: '2026-05-01T10:15:00.000Z', attempts: 1, lastCallAt: '2026-05-01T10:00:00.000Z', status: 'open' as const };

function delivery(kind: DeliveryKind, extra: Partial<Delivery> = {}): Delivery {
  return { kind, idempotencyKey: kind === 'lead.create' ? 'lead:L1' : `${kind}:k1`, ownerId: 'anna', lead, ...extra };
}

function setup(settings: Partial<HubSpotSettings> = {}): { dest: HubSpotDestination; refs: MemoryDestinationRefs } {
  const config: HubSpotDestinationConfig = {
    id: 'hs', kind: 'hubspot', timeoutMs: 2000, ownerMap: { anna: '77' }, circuitBreaker: { consecutiveFailures: 5, halfOpenAfterMs: 1000 },
    hubspot: { baseUrl: api, token: 'pat-eu1-token', pipeline: 'default', dealStage: 'appointmentscheduled', timeZone: 'Europe/Moscow', ...settings },
  };
  const refs = new MemoryDestinationRefs();
  return { dest: new HubSpotDestination(config, refs), refs };
}

beforeAll(() => nock.disableNetConnect());
afterEach(() => {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  expect(pending).toEqual([]);
});
afterAll(() => nock.enableNetConnect());

describe('HubSpot destination: wire format per delivery kind', () => {
  test('lead.create: contact batch upsert by e-mail, deal associated with it (type 3), the request as a note on the deal', async () => {
    const { dest } = setup();
    const seen: Record<string, unknown> = {};
    const keep = (name: string) => (b: unknown) => ((seen[name] = b), true);
    nock(api, auth)
      .post('/crm/v3/objects/contacts/batch/upsert', keep('upsert')).reply(200, { status: 'COMPLETE', results: [{ id: '101', new: true }] })
      .post('/crm/v3/objects/deals', keep('deal')).reply(201, { id: '201' })
      .post('/crm/v3/objects/notes', keep('note')).reply(201, { id: '301' });
    const receipt = await dest.send(delivery('lead.create'));
    expect(receipt.externalId).toBe('201');
    expect(seen.upsert).toEqual({ inputs: [{ id: 'ivan@example.com', idProperty: 'email', properties: { email: 'ivan@example.com', firstname: 'Ivan', lastname: 'Petrov', phone: '+79161234567', hubspot_owner_id: '77' } }] });
    expect(seen.deal).toEqual({
      properties: { dealname: 'form: Ivan Petrov', pipeline: 'default', dealstage: 'appointmentscheduled', hubspot_owner_id: '77', description: '[leadgate:lead:L1]' },
      associations: [{ to: { id: '101' }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 3 }] }],
    });
    expect(seen.note).toMatchObject({ properties: { hs_timestamp: lead.occurredAt }, associations: [{ to: { id: '201' }, types: [{ associationTypeId: 214 }] }] });
  });

  test('with dealKeyProperty the deal is upserted by our key (a retry cannot make a second one); a new deal needs no note lookup', async () => {
    const { dest } = setup({ dealKeyProperty: 'leadgate_key' });
    let upsert: { inputs: { id: string; idProperty: string; properties: Record<string, string> }[] } | undefined;
    nock(api, auth)
      .post('/crm/v3/objects/contacts/batch/upsert').reply(200, { results: [{ id: '101' }] })
      .post('/crm/v3/objects/deals/batch/upsert', (b: typeof upsert) => ((upsert = b), true)).reply(200, { results: [{ id: '201', new: true }] })
      .put('/crm/v4/objects/deals/201/associations/default/contacts/101').reply(200, {})
      .post('/crm/v3/objects/notes').reply(201, { id: '301' });
    await dest.send(delivery('lead.create'), { maybeRetry: true, priorAttempts: 1 });
    expect(upsert?.inputs[0]).toMatchObject({ id: 'lead:L1', idProperty: 'leadgate_key', properties: { leadgate_key: 'lead:L1' } });
  });

  test('a phone-only contact is searched, and a 409 on create resolves to the existing id', async () => {
    const { dest } = setup();
    nock(api, auth)
      .post('/crm/v3/objects/contacts/search').reply(200, { total: 0, results: [] })
      .post('/crm/v3/objects/contacts').reply(409, { status: 'error', message: 'Contact already exists. Existing ID: 123', category: 'CONFLICT' })
      .post('/crm/v3/objects/deals', (b: { associations: { to: { id: string } }[] }) => b.associations[0]?.to.id === '123').reply(201, { id: '202' })
      .post('/crm/v3/objects/notes').reply(201, { id: '302' });
    await dest.send(delivery('lead.create', { lead: { ...lead, contact: { ...lead.contact, emails: [] } } }));
  });

  test('activity/merge are notes, callbacks are CALL tasks (PATCH due time, PATCH COMPLETED), erasure is a GDPR delete', async () => {
    const { dest, refs } = setup();
    await refs.put('hs', 'lead', 'L1', '201');
    await refs.put('hs', 'contact', 'C1', '101');
    let task: { properties: Record<string, string>; associations: unknown[] } | undefined;
    const patches: unknown[] = [];
    nock(api, auth)
      .post('/crm/v3/objects/notes').times(2).reply(201, { id: '303' })
      .post('/crm/v3/objects/tasks', (b: typeof task) => ((task = b), true)).reply(201, { id: '401' })
      .patch('/crm/v3/objects/tasks/401', (b: unknown) => (patches.push(b), true)).times(2).reply(200, { id: '401' })
      .post('/crm/v3/objects/contacts/gdpr-delete', { objectId: '101' }).reply(204);
    await dest.send(delivery('lead.activity'));
    await dest.send(delivery('contact.merged', { mergedContactId: 'C0' }));
    await dest.send(delivery('callback.create', { callback }));
    expect(task?.properties).toMatchObject({ hs_timestamp: callback.dueAt, hs_task_type: 'CALL', hs_task_status: 'NOT_STARTED', hubspot_owner_id: '77' });
    await dest.send(delivery('callback.update', { callback: { ...callback, dueAt: '2026-05-01T11:00:00.000Z' } }));
    await dest.send(delivery('callback.close', { callback: { ...callback, status: 'closed', closedReason: 'answered' } }));
    expect(patches).toEqual([{ properties: { hs_timestamp: '2026-05-01T11:00:00.000Z' } }, { properties: { hs_task_status: 'COMPLETED' } }]);
    await dest.send(delivery('contact.erased'));
  });
});

describe('HubSpot destination: error mapping', () => {
  async function failure(status: number, body: Record<string, unknown> | string): Promise<LeadgateError> {
    const { dest, refs } = setup();
    await refs.put('hs', 'lead', 'L1', '201');
    nock(api, auth).post('/crm/v3/objects/notes').reply(status, body);
    return (await dest.send(delivery('lead.activity')).catch((e: unknown) => e)) as LeadgateError;
  }

  test('429 TEN_SECONDLY_ROLLING waits out the window; no park', async () => {
    const err = await failure(429, { status: 'error', message: 'You have reached your ten_secondly_rolling limit.', errorType: 'RATE_LIMIT', policyName: 'TEN_SECONDLY_ROLLING' });
    expect([err.code, err.retriable, err.details.retryAfterMs, err.details.park]).toEqual(['DESTINATION_UNAVAILABLE', true, 10_000, undefined]);
  });

  test('429 DAILY parks until midnight in the account time zone', async () => {
    const err = await failure(429, { status: 'error', message: 'You have reached your daily limit.', errorType: 'RATE_LIMIT', policyName: 'DAILY' });
    const park = err.details.park as { code: string; untilMs: number };
    expect(park.code).toBe('DAILY');
    expect(Math.abs(park.untilMs - nextMidnight('Europe/Moscow'))).toBeLessThan(5_000);
  });

  test('next midnight is computed in the zone, not in UTC', () => {
    // 2026-05-01 22:30 UTC is 01:30 on 2 May in Moscow (UTC+3): the reset is 2 May 21:00 UTC.
    expect(new Date(nextMidnight('Europe/Moscow', Date.parse('2026-05-01T22:30:00.000Z'))).toISOString()).toBe('2026-05-02T21:00:00.000Z');
    expect(new Date(nextMidnight('UTC', Date.parse('2026-05-01T22:30:00.000Z'))).toISOString()).toBe('2026-05-02T00:00:00.000Z');
  });

  test('400 VALIDATION_ERROR is permanent; 401 parks; 502 retries', async () => {
    const bad = await failure(400, { status: 'error', message: 'Property values were not valid', category: 'VALIDATION_ERROR' });
    expect([bad.code, bad.retriable]).toEqual(['DESTINATION_REJECTED', false]);
    expect((await failure(401, { status: 'error', message: 'Authentication credentials not found', category: 'INVALID_AUTHENTICATION' })).details.park).toMatchObject({ code: 'INVALID_AUTHENTICATION' });
    expect((await failure(502, '')).retriable).toBe(true);
  });
});
