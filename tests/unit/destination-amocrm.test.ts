import nock from 'nock';
import type { Delivery, DeliveryKind } from '../../contracts/delivery.js';
import type { LeadV1 } from '../../contracts/lead.js';
import { LeadgateError } from '../../contracts/errors.js';
import { AmoCrmDestination } from '../../router/destinations/amocrm.destination.js';
import type { AmoCrmDestinationConfig, AmoCrmSettings } from '../../router/destinations/destination.config.js';
import { MemoryDestinationRefs } from '../../router/destinations/destination-refs.js';

const api = 'https://acme.amocrm.example';
const auth = { reqheaders: { authorization: 'Bearer long-lived-token' } };

const lead: LeadV1 = {
  v: 1, type: 'lead.created', leadId: 'L1', activityId: 'A1',
  contact: { id: 'C1', isNew: true, name: 'Ivan Petrov', phones: ['+79161234567'], emails: ['ivan@example.com'], ids: [] },
  channel: 'form', connectorId: 'site', message: 'Call me', source: {}, fields: {}, tags: ['site'], spam: false,
  occurredAt: '2026-05-01T10:00:00.000Z', normalizedAt: '2026-05-01T10:00:01.000Z', lineage: { rawEventIds: ['r1'] },
};
const callback = { taskId: 'T1', phone: '+79161234567', dueAt: '2026-05-01T10:15:00.000Z', attempts: 1, lastCallAt: '2026-05-01T10:00:00.000Z', status: 'open' as const };

function delivery(kind: DeliveryKind, extra: Partial<Delivery> = {}): Delivery {
  return { kind, idempotencyKey: kind === 'lead.create' ? 'lead:L1' : `${kind}:k1`, ownerId: 'anna', lead, ...extra };
}

function setup(settings: Partial<AmoCrmSettings> = {}): { dest: AmoCrmDestination; refs: MemoryDestinationRefs } {
  const config: AmoCrmDestinationConfig = {
    id: 'amo', kind: 'amocrm', timeoutMs: 2000, ownerMap: { anna: '9001' }, circuitBreaker: { consecutiveFailures: 5, halfOpenAfterMs: 1000 },
    amocrm: { baseUrl: api, token: 'long-lived-token', pipelineId: 10, statusId: 20, mode: 'complex', sourceName: 'Leadgate', sourceUid: 'leadgate', taskTypeId: 1, ...settings },
  };
  const refs = new MemoryDestinationRefs();
  return { dest: new AmoCrmDestination(config, refs), refs };
}

beforeAll(() => nock.disableNetConnect());
afterEach(() => {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  expect(pending).toEqual([]);
});
afterAll(() => nock.enableNetConnect());

describe('amoCRM destination: wire format per delivery kind', () => {
  test('lead.create: POST /api/v4/leads/complex with the contact (PHONE/EMAIL by field_code, enum WORK), owner and pipeline, then the request as a note', async () => {
    const { dest, refs } = setup();
    let complex: unknown[] = [];
    let note: unknown[] = [];
    nock(api, auth)
      .post('/api/v4/leads/complex', (b: unknown[]) => ((complex = b), true))
      .reply(200, [{ id: 501, contact_id: 601, company_id: null, request_id: ['0'], merged: false }])
      .post('/api/v4/leads/501/notes', (b: unknown[]) => ((note = b), true))
      .reply(200, { _embedded: { notes: [{ id: 701 }] } });
    expect((await dest.send(delivery('lead.create'))).externalId).toBe('501');
    expect(complex).toEqual([
      {
        name: 'form: Ivan Petrov', pipeline_id: 10, status_id: 20, responsible_user_id: 9001,
        _embedded: {
          contacts: [{ name: 'Ivan Petrov', responsible_user_id: 9001, custom_fields_values: [
            { field_code: 'PHONE', values: [{ value: '+79161234567', enum_code: 'WORK' }] },
            { field_code: 'EMAIL', values: [{ value: 'ivan@example.com', enum_code: 'WORK' }] },
          ] }],
          tags: [{ name: 'site' }],
        },
      },
    ]);
    expect(note).toMatchObject([{ note_type: 'common' }]);
    expect(await refs.get('amo', 'contact', 'C1')).toBe('601');
  });

  test('a retried create searches for our key (keyFieldId) and creates nothing when found', async () => {
    const { dest } = setup({ keyFieldId: 3333 });
    nock(api, auth)
      .get('/api/v4/leads')
      .query({ query: 'lead:L1', limit: '50' })
      .reply(200, { _embedded: { leads: [{ id: 501, custom_fields_values: [{ field_id: 3333, values: [{ value: 'lead:L1' }] }] }] } })
      .get('/api/v4/leads/501/notes')
      .query({ limit: '250' })
      .reply(204)
      .post('/api/v4/leads/501/notes')
      .reply(200, { _embedded: { notes: [{ id: 701 }] } });
    expect((await dest.send(delivery('lead.create'), { maybeRetry: true, priorAttempts: 2 })).externalId).toBe('501');
  });

  test('unsorted mode sends calls to /leads/unsorted/sip with call metadata', async () => {
    const { dest } = setup({ mode: 'unsorted' });
    const call = { direction: 'inbound' as const, status: 'missed' as const, callId: 'call-1', from: '+79161234567', to: '+74950000000', durationSec: 0, provider: 'mango' };
    let body: { source_uid: string; metadata: Record<string, unknown> }[] = [];
    nock(api, auth)
      .post('/api/v4/leads/unsorted/sip', (b: typeof body) => ((body = b), true))
      .reply(200, { _embedded: { unsorted: [{ uid: 'u1', _embedded: { leads: [{ id: 502 }], contacts: [{ id: 602 }] } }] } })
      .post('/api/v4/leads/502/notes')
      .reply(200, { _embedded: { notes: [{ id: 1 }] } });
    await dest.send(delivery('lead.create', { lead: { ...lead, channel: 'call', call } }));
    expect(body[0]?.source_uid).toBe('leadgate');
    expect(body[0]?.metadata).toMatchObject({ uniq: 'call-1', from: '+79161234567', phone: '+74950000000', service_code: 'mango' });
  });

  test('activity is a note; callbacks are tasks (create, PATCH deadline, PATCH completed); erasure clears the contact', async () => {
    const { dest, refs } = setup();
    await refs.put('amo', 'lead', 'L1', '501');
    await refs.put('amo', 'contact', 'C1', '601');
    let task: Record<string, unknown>[] = [];
    const patches: unknown[] = [];
    nock(api, auth)
      .post('/api/v4/leads/501/notes').times(3).reply(200, { _embedded: { notes: [{ id: 1 }] } })
      .post('/api/v4/tasks', (b: Record<string, unknown>[]) => ((task = b), true)).reply(200, { _embedded: { tasks: [{ id: 801 }] } })
      .patch('/api/v4/tasks/801', (b: unknown) => (patches.push(b), true)).times(2).reply(200, { id: 801 })
      .patch('/api/v4/contacts/601', (b: { name: string }) => b.name === 'Erased').reply(200, { id: 601 });
    await dest.send(delivery('lead.activity'));
    await dest.send(delivery('contact.merged', { mergedContactId: 'C0' }));
    await dest.send(delivery('callback.create', { callback }));
    expect(task[0]).toMatchObject({ entity_id: 501, entity_type: 'leads', task_type_id: 1, responsible_user_id: 9001, complete_till: Date.parse(callback.dueAt) / 1000 });
    await dest.send(delivery('callback.update', { callback: { ...callback, dueAt: '2026-05-01T11:00:00.000Z' } }));
    await dest.send(delivery('callback.close', { callback: { ...callback, status: 'closed', closedReason: 'called_back' } }));
    expect(patches[0]).toEqual({ complete_till: Date.parse('2026-05-01T11:00:00.000Z') / 1000 });
    expect(patches[1]).toMatchObject({ is_completed: true });
    await dest.send(delivery('contact.erased'));
  });
});

describe('amoCRM destination: error mapping', () => {
  async function failure(status: number, body: Record<string, unknown> | string, headers: Record<string, string> = {}): Promise<LeadgateError> {
    const { dest } = setup();
    nock(api, auth).post('/api/v4/leads/complex').reply(status, body, headers);
    return (await dest.send(delivery('lead.create')).catch((e: unknown) => e)) as LeadgateError;
  }

  test('429 is throttling: retriable, honouring retry_after from the body', async () => {
    const err = await failure(429, { title: 'Too Many Requests', status: 429, retry_after: 3 });
    expect([err.code, err.retriable, err.details.retryAfterMs, err.details.park]).toEqual(['DESTINATION_UNAVAILABLE', true, 3000, undefined]);
  });

  test('403 (IP blocked after violations) parks; 401 and 402 park too', async () => {
    expect((await failure(403, { title: 'Forbidden', status: 403 })).details.park).toMatchObject({ code: 'HTTP_403' });
    expect((await failure(401, { title: 'Unauthorized', status: 401 })).details.park).toMatchObject({ code: 'HTTP_401' });
    expect((await failure(402, { title: 'Payment Required', status: 402 })).details.park).toMatchObject({ code: 'HTTP_402' });
  });

  test('400 validation-errors become a permanent rejection whose reason names the fields', async () => {
    const err = await failure(400, {
      'validation-errors': [{ request_id: '0', errors: [{ code: 'NotSupportedChoice', path: 'custom_fields_values.0.field_id', detail: 'The value you selected is not a valid choice.' }] }],
      title: 'Bad Request', status: 400, detail: 'Request validation failed',
    });
    expect([err.code, err.retriable]).toEqual(['DESTINATION_REJECTED', false]);
    expect(err.message).toContain('custom_fields_values.0.field_id NotSupportedChoice');
  });

  test('504 is retriable', async () => {
    expect((await failure(504, '')).retriable).toBe(true);
  });
});
