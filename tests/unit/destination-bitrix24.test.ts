import nock from 'nock';
import type { Delivery, DeliveryKind } from '../../contracts/delivery.js';
import type { LeadV1 } from '../../contracts/lead.js';
import { LeadgateError } from '../../contracts/errors.js';
import { Bitrix24Destination } from '../../router/destinations/bitrix24.destination.js';
import { toQuery } from '../../router/destinations/bitrix24.client.js';
import type { Bitrix24DestinationConfig } from '../../router/destinations/destination.config.js';
import { MemoryDestinationRefs } from '../../router/destinations/destination-refs.js';

const portal = 'https://acme.bitrix24.example';
const base = '/rest/7/s3cr3tcode';

function lead(overrides: Partial<LeadV1> = {}): LeadV1 {
  return {
    v: 1, type: 'lead.created', leadId: 'L1', activityId: 'A1',
    contact: { id: 'C1', isNew: true, name: 'Ivan Petrov', phones: ['+79161234567'], emails: ['ivan@example.com'], ids: [] },
    channel: 'form', connectorId: 'site', message: 'Call me', source: { utm: { utm_source: 'google', utm_campaign: 'spring' }, page: 'https://acme.example/p' },
    fields: {}, tags: [], spam: false, occurredAt: '2026-05-01T10:00:00.000Z', normalizedAt: '2026-05-01T10:00:01.000Z', lineage: { rawEventIds: ['r1'] },
    ...overrides,
  };
}

function delivery(kind: DeliveryKind, extra: Partial<Delivery> = {}): Delivery {
  return { kind, idempotencyKey: kind === 'lead.create' ? 'lead:L1' : `${kind}:k1`, ownerId: 'anna', lead: lead(), ...extra };
}

const callback = { taskId: 'T1', phone: '+79161234567', dueAt: '2026-05-01T10:15:00.000Z', attempts: 1, lastCallAt: '2026-05-01T10:00:00.000Z', status: 'open' as const };

function setup(): { dest: Bitrix24Destination; refs: MemoryDestinationRefs } {
  const config: Bitrix24DestinationConfig = {
    id: 'b24', kind: 'bitrix24', timeoutMs: 2000, ownerMap: { anna: '42' }, circuitBreaker: { consecutiveFailures: 5, halfOpenAfterMs: 1000 },
    bitrix24: { webhookUrl: `${portal}${base}/`, sourceId: 'WEB', linkDuplicates: true },
  };
  const refs = new MemoryDestinationRefs();
  return { dest: new Bitrix24Destination(config, refs), refs };
}

function decode(cmd: string): URLSearchParams {
  return new URLSearchParams(cmd.slice(cmd.indexOf('?') + 1));
}

beforeAll(() => nock.disableNetConnect());
afterEach(() => {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  expect(pending).toEqual([]);
});
afterAll(() => nock.enableNetConnect());

describe('Bitrix24 destination: wire format per delivery kind', () => {
  test('lead.create looks up duplicates in one batch, then crm.item.add with ORIGIN_ID, owner, multifields and UTM', async () => {
    const { dest, refs } = setup();
    let batchBody: { halt: number; cmd: Record<string, string> } | undefined;
    let addBody: { entityTypeId: number; fields: Record<string, unknown> } | undefined;
    nock(portal)
      .post(`${base}/batch.json`, (b: { halt: number; cmd: Record<string, string> }) => ((batchBody = b), true))
      .reply(200, { result: { result: { phone: { CONTACT: [555] }, email: [] }, result_error: [] } })
      .post(`${base}/crm.item.add.json`, (b: { entityTypeId: number; fields: Record<string, unknown> }) => ((addBody = b), true))
      .reply(200, { result: { item: { id: 1001 } } });
    const receipt = await dest.send(delivery('lead.create'));
    expect(receipt.externalId).toBe('1001');
    // First attempt: no ORIGIN_ID lookup, just the duplicate checks (findbycomm ≤ 20 values, CONTACT).
    expect(Object.keys(batchBody?.cmd ?? {}).sort()).toEqual(['email', 'phone']);
    expect(batchBody?.cmd.phone?.startsWith('crm.duplicate.findbycomm?')).toBe(true);
    const phone = decode(batchBody?.cmd.phone ?? '');
    expect([phone.get('type'), phone.get('values[0]'), phone.get('entity_type')]).toEqual(['PHONE', '+79161234567', 'CONTACT']);
    expect(addBody?.entityTypeId).toBe(1);
    expect(addBody?.fields).toMatchObject({
      title: 'form: Ivan Petrov', name: 'Ivan', lastName: 'Petrov', assignedById: 42, sourceId: 'WEB',
      originatorId: 'leadgate', originId: 'lead:L1', contactId: 555, utmSource: 'google', utmCampaign: 'spring',
      fm: [{ typeId: 'PHONE', valueType: 'WORK', value: '+79161234567' }, { typeId: 'EMAIL', valueType: 'WORK', value: 'ivan@example.com' }],
    });
    expect(String(addBody?.fields.comments)).toContain('Call me');
    expect(await refs.get('b24', 'lead', 'L1')).toBe('1001');
  });

  test('a create that may be a retry checks ORIGIN_ID first and creates nothing when the lead exists', async () => {
    const { dest, refs } = setup();
    let cmd: Record<string, string> = {};
    nock(portal)
      .post(`${base}/batch.json`, (b: { cmd: Record<string, string> }) => ((cmd = b.cmd), true))
      .reply(200, { result: { result: { origin: { items: [{ id: 1001 }] }, phone: [], email: [] } } });
    const receipt = await dest.send(delivery('lead.create'), { maybeRetry: true, priorAttempts: 1 });
    expect(receipt.externalId).toBe('1001');
    const origin = decode(cmd.origin ?? '');
    expect(cmd.origin?.startsWith('crm.item.list?')).toBe(true);
    expect([origin.get('entityTypeId'), origin.get('filter[originId]'), origin.get('filter[originatorId]')]).toEqual(['1', 'lead:L1', 'leadgate']);
    expect(await refs.get('b24', 'lead', 'L1')).toBe('1001');
  });

  test('a lead already in the ref table is not sent again', async () => {
    const { dest, refs } = setup();
    await refs.put('b24', 'lead', 'L1', '1001');
    expect((await dest.send(delivery('lead.create'))).externalId).toBe('1001');
  });

  test('lead.activity and contact.merged are timeline comments on the lead, with the key marker', async () => {
    const { dest, refs } = setup();
    await refs.put('b24', 'lead', 'L1', '1001');
    const bodies: { fields: Record<string, unknown> }[] = [];
    nock(portal).post(`${base}/crm.timeline.comment.add.json`, (b: { fields: Record<string, unknown> }) => (bodies.push(b), true)).times(2).reply(200, { result: 9 });
    await dest.send(delivery('lead.activity'));
    await dest.send(delivery('contact.merged', { mergedContactId: 'C0' }));
    expect(bodies.map((b) => [b.fields.ENTITY_ID, b.fields.ENTITY_TYPE])).toEqual([[1001, 'lead'], [1001, 'lead']]);
    expect(String(bodies[0]?.fields.COMMENT)).toContain('[leadgate:lead.activity:k1]');
    expect(String(bodies[1]?.fields.COMMENT)).toContain('C0 was merged into C1');
  });

  test('a retried activity already commented is found by its marker and not added twice', async () => {
    const { dest, refs } = setup();
    await refs.put('b24', 'lead', 'L1', '1001');
    nock(portal).post(`${base}/crm.timeline.comment.list.json`).reply(200, { result: [{ ID: '77', COMMENT: 'x\n[leadgate:lead.activity:k1]' }] });
    expect((await dest.send(delivery('lead.activity'), { maybeRetry: true, priorAttempts: 1 })).externalId).toBe('77');
  });

  test('callback.create is a to-do activity with a deadline; update and close are batches with a comment', async () => {
    const { dest, refs } = setup();
    await refs.put('b24', 'lead', 'L1', '1001');
    let todo: Record<string, unknown> = {};
    const batches: Record<string, string>[] = [];
    nock(portal)
      .post(`${base}/crm.activity.todo.add.json`, (b: Record<string, unknown>) => ((todo = b), true))
      .reply(200, { result: { id: 314 } })
      .post(`${base}/batch.json`, (b: { halt: number; cmd: Record<string, string> }) => (batches.push(b.cmd), b.halt === 1))
      .times(2)
      .reply(200, { result: { result: { change: true, comment: 10 }, result_error: [] } });
    await dest.send(delivery('callback.create', { callback }));
    expect(todo).toMatchObject({ ownerTypeId: 1, ownerId: 1001, deadline: '2026-05-01T10:15:00.000Z', responsibleId: 42, title: 'Call back +79161234567' });
    expect(await refs.get('b24', 'callback', 'T1')).toBe('314');
    await dest.send(delivery('callback.update', { callback: { ...callback, dueAt: '2026-05-01T11:00:00.000Z', attempts: 2 } }));
    await dest.send(delivery('callback.close', { callback: { ...callback, status: 'closed', closedReason: 'answered' } }));
    expect(batches[0]?.change?.startsWith('crm.activity.todo.updateDeadline?')).toBe(true);
    expect(decode(batches[0]?.change ?? '').get('value')).toBe('2026-05-01T11:00:00.000Z');
    expect(batches[1]?.change?.startsWith('crm.activity.update?')).toBe(true);
    expect(decode(batches[1]?.change ?? '').get('fields[COMPLETED]')).toBe('Y');
    expect(batches[1]?.comment?.startsWith('crm.timeline.comment.add?')).toBe(true);
  });

  test('contact.erased deletes the lead we created', async () => {
    const { dest, refs } = setup();
    await refs.put('b24', 'lead', 'L1', '1001');
    nock(portal).post(`${base}/crm.item.delete.json`, { entityTypeId: 1, id: 1001 }).reply(200, { result: [] });
    expect((await dest.send(delivery('contact.erased'))).body).toEqual({ erased: true, id: '1001' });
    expect(await refs.get('b24', 'lead', 'L1')).toBeUndefined();
  });
});

describe('Bitrix24 destination: error mapping', () => {
  async function failure(status: number, body: Record<string, unknown> | string): Promise<LeadgateError> {
    const { dest, refs } = setup();
    await refs.put('b24', 'lead', 'L1', '1001');
    nock(portal).post(`${base}/crm.timeline.comment.add.json`).reply(status, body);
    const err = await dest.send(delivery('lead.activity')).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(LeadgateError);
    return err as LeadgateError;
  }

  test('503 QUERY_LIMIT_EXCEEDED is throttling: retriable after a pause, no park', async () => {
    const err = await failure(503, { error: 'QUERY_LIMIT_EXCEEDED', error_description: 'Too many requests' });
    expect([err.code, err.retriable, err.details.retryAfterMs, err.details.park]).toEqual(['DESTINATION_UNAVAILABLE', true, 1000, undefined]);
  });

  test('503 OVERLOAD_LIMIT is a manual block: the destination must be parked', async () => {
    const err = await failure(503, { error: 'OVERLOAD_LIMIT', error_description: 'REST API is blocked due to overload' });
    expect(err.details.park).toMatchObject({ code: 'OVERLOAD_LIMIT' });
    expect(err.retriable).toBe(true);
  });

  test('401 NO_AUTH_FOUND parks (the webhook must be fixed); 400 field errors are permanent; 500 retries', async () => {
    expect((await failure(401, { error: 'NO_AUTH_FOUND', error_description: 'Wrong authorization data' })).details.park).toMatchObject({ code: 'NO_AUTH_FOUND' });
    const bad = await failure(400, { error: 'ERROR_CORE', error_description: 'Invalid field' });
    expect([bad.code, bad.retriable]).toEqual(['DESTINATION_REJECTED', false]);
    const down = await failure(500, { error: 'INTERNAL_SERVER_ERROR', error_description: '' });
    expect([down.code, down.retriable, down.details.park]).toEqual(['DESTINATION_UNAVAILABLE', true, undefined]);
  });

  test('batch sub-call errors are classified like direct ones', async () => {
    const { dest, refs } = setup();
    await refs.put('b24', 'lead', 'L1', '1001');
    await refs.put('b24', 'callback', 'T1', '314');
    nock(portal).post(`${base}/batch.json`).reply(200, { result: { result: {}, result_error: { change: { error: 'QUERY_LIMIT_EXCEEDED', error_description: '' } } } });
    const err = (await dest.send(delivery('callback.close', { callback })).catch((e: unknown) => e)) as LeadgateError;
    expect([err.code, err.retriable]).toEqual(['DESTINATION_UNAVAILABLE', true]);
  });

  test('batch sub-calls use PHP bracket notation', () => {
    expect(decodeURIComponent(toQuery({ fields: { TITLE: 'a b', FM: [{ V: 1 }] } }))).toBe('fields[TITLE]=a b&fields[FM][0][V]=1');
  });
});
