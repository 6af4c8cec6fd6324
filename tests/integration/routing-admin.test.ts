import express from 'express';
import request from 'supertest';
import { requireAdminToken } from '../../platform/http/admin-auth.js';
import { errorHandler, notFoundHandler } from '../../platform/http/error-handler.js';
import type { Store } from '../../platform/store/store.port.js';
import { Metrics } from '../../platform/telemetry/metrics.js';
import { createRoutingAdminRouter } from '../../router/admin/routing-admin.routes.js';
import { OwnerAssigner } from '../../router/owner.assigner.js';
import type { OwnerConfig, RoutingRule } from '../../router/rules/routing.config.js';
import { RoutingEngine } from '../../router/rules/routing.engine.js';
import { leadRecord, persist, routingDatabase, silentLogger } from '../support/routing-fixtures.js';

const token = 'routing-admin-test-token';
const auth = { authorization: `Bearer ${token}` };
const owners: OwnerConfig[] = [
  { id: 'anna', name: 'Anna', capacity: 5 },
  { id: 'boris', hours: { timezone: 'Europe/Moscow', windows: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '09:00', to: '18:00' }] } },
  { id: 'vera' },
];
const rules: RoutingRule[] = [
  { id: 'kz', match: { phoneCountries: ['KZ'] }, pool: ['vera'], strategy: 'fixed', slaMinutes: 30 },
  { id: 'yandex', match: { utm: { utm_source: ['yandex'] }, tags: ['vip'] }, pool: ['anna', 'boris'], strategy: 'round_robin', slaMinutes: 15 },
  { id: 'calls', match: { channels: ['call'] }, pool: ['anna', 'boris', 'vera'], strategy: 'round_robin' },
];

describe('routing admin API on PostgreSQL', () => {
  let env: Awaited<ReturnType<typeof routingDatabase>>;
  let store: Store;
  let metrics: Metrics;
  let app: express.Express;
  let engine: RoutingEngine;

  beforeEach(async () => {
    env = await routingDatabase(1);
    store = env.stores[0];
    metrics = new Metrics({ defaultMetrics: false });
    engine = new RoutingEngine({ owners, rules, fallbackOwner: 'queue' });
    app = express();
    app.use('/v1', createRoutingAdminRouter({ store, engine, owners, metrics, guard: requireAdminToken(token) }));
    app.use(notFoundHandler());
    app.use(errorHandler(silentLogger));
  });

  afterEach(async () => {
    await env.close();
  });

  test.each<[string, string, Record<string, unknown> | undefined]>([
    ['get', '/v1/admin/owners', undefined],
    ['put', '/v1/admin/owners/anna/availability', { available: false }],
    ['post', '/v1/admin/routing/dry-run', { channel: 'form' }],
    ['post', '/v1/leads/some-lead/first-response', {}],
  ])('%s %s without the admin token: 401, nothing changed', async (method, path, body) => {
    const call = (request(app) as unknown as Record<string, (p: string) => request.Test>)[method](path);
    const res = body ? await call.send(body) : await call;
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('UNAUTHORIZED');
    const wrong = (request(app) as unknown as Record<string, (p: string) => request.Test>)[method](path).set('authorization', 'Bearer nope');
    expect((body ? await wrong.send(body) : await wrong).status).toBe(401);
    const [{ n }] = await store.query<{ n: string }>('select count(*)::text as n from routing_owners');
    expect(n).toBe('0');
  });

  test('availability switch: kept in the store, shown by GET /admin/owners, used by routing', async () => {
    const before = await request(app).get('/v1/admin/owners').set(auth);
    expect(before.status).toBe(200);
    expect(before.body.owners[0]).toEqual({ id: 'anna', name: 'Anna', available: true, openLeads: 0, capacity: 5 });
    expect(typeof before.body.owners[1].withinHours).toBe('boolean');

    const off = await request(app).put('/v1/admin/owners/vera/availability').set(auth).send({ available: false });
    expect(off.status).toBe(200);
    expect(off.body).toEqual({ ownerId: 'vera', available: false });
    const [row] = await store.query<{ available: boolean }>("select available from routing_owners where owner_id = 'vera'");
    expect(row.available).toBe(false);
    const after = await request(app).get('/v1/admin/owners').set(auth);
    expect(after.body.owners.find((o: { id: string }) => o.id === 'vera').available).toBe(false);

    const dry = await request(app).post('/v1/admin/routing/dry-run').set(auth).send({ channel: 'form', contact: { phones: ['+77012345678'] } });
    expect(dry.body).toMatchObject({ ownerId: 'queue', reason: 'fallback', skipped: [{ ownerId: 'vera', reason: 'unavailable' }] });
    expect((await request(app).put('/v1/admin/owners/vera/availability').set(auth).send({ available: true })).status).toBe(200);
    const back = await request(app).post('/v1/admin/routing/dry-run').set(auth).send({ channel: 'form', contact: { phones: ['+77012345678'] } });
    expect(back.body).toMatchObject({ ownerId: 'vera', ruleId: 'kz', strategy: 'fixed', reason: 'strategy', slaMinutes: 30 });
  });

  test.each<[string, string, unknown, number, RegExp]>([
    ['unknown owner', '/v1/admin/owners/ghost/availability', { available: false }, 404, /ghost/],
    ['missing field', '/v1/admin/owners/anna/availability', {}, 422, /available/],
    ['wrong type', '/v1/admin/owners/anna/availability', { available: 'no' }, 422, /\/available: must be boolean/],
    ['unknown key', '/v1/admin/owners/anna/availability', { available: true, until: 'monday' }, 422, /unknown key "until"/],
  ])('availability: %s (%s) → %i with a reason', async (_name, path, body, status, reason) => {
    const res = await request(app).put(path).set(auth).send(body as object);
    expect(res.status).toBe(status);
    expect(res.body.error.message).toMatch(reason);
  });

  test('availability refuses a non-JSON body with 415', async () => {
    const res = await request(app).put('/v1/admin/owners/anna/availability').set(auth).type('form').send('available=false');
    expect(res.status).toBe(415);
  });

  test('dry-run answers owner and rule, and changes nothing (no counter moves, no lead, no timer)', async () => {
    const body = { channel: 'form', connectorId: 'landing', source: { utm: { utm_source: 'yandex' } }, tags: ['vip'], at: '2024-05-20T07:00:00Z' };
    const first = await request(app).post('/v1/admin/routing/dry-run').set(auth).send(body);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ at: '2024-05-20T07:00:00.000Z', ownerId: 'anna', ruleId: 'yandex', strategy: 'round_robin', reason: 'strategy', slaMinutes: 15 });
    const second = await request(app).post('/v1/admin/routing/dry-run').set(auth).send(body);
    expect(second.body.ownerId).toBe('anna');
    // Rotation counters are sequences created on first use: a dry run must not even create one.
    const counters = await store.query("select relname from pg_class where relkind = 'S' and relname like 'routing_rr_%'");
    const timers = await store.query('select * from lead_sla');
    expect(counters).toEqual([]);
    expect(timers).toEqual([]);

    // After a real assignment moved the counter, the dry run shows the next in rotation.
    const assigner = new OwnerAssigner(store, engine, () => new Date('2024-05-20T07:00:00Z'));
    await assigner.assign(await persist(store, leadRecord({ source: { utm: { utm_source: 'yandex' } }, tags: ['vip'] })));
    const third = await request(app).post('/v1/admin/routing/dry-run').set(auth).send(body);
    expect(third.body.ownerId).toBe('boris');
    // Saturday: boris is off, so anna even though it is his turn.
    const saturday = await request(app).post('/v1/admin/routing/dry-run').set(auth).send({ ...body, at: '2024-05-18T07:00:00Z' });
    expect(saturday.body).toMatchObject({ ownerId: 'anna', skipped: [{ ownerId: 'boris', reason: 'off_hours' }] });
  });

  test('dry-run: the contact owner for a sticky default, fallback when no rule matches', async () => {
    const none = await request(app).post('/v1/admin/routing/dry-run').set(auth).send({ channel: 'email' });
    expect(none.body).toMatchObject({ ownerId: 'queue', ruleId: 'fallback', reason: 'fallback' });
    const call = await request(app).post('/v1/admin/routing/dry-run').set(auth).send({ channel: 'call', contact: { phones: ['+79161234567'] } });
    expect(call.body).toMatchObject({ ruleId: 'calls', ownerId: 'anna' });
  });

  test.each<[string, unknown, RegExp]>([
    ['no channel', { tags: ['vip'] }, /must have required property 'channel'/],
    ['unknown channel', { channel: 'fax' }, /\/channel: must be equal to one of the allowed values/],
    ['tags not a list', { channel: 'form', tags: 'vip' }, /\/tags: must be array/],
    ['utm value not a string', { channel: 'form', source: { utm: { utm_source: 1 } } }, /\/source\/utm\/utm_source: must be string/],
    ['phone not E.164', { channel: 'call', contact: { phones: ['8 916 123-45-67'] } }, /\/contact\/phones\/0: must match pattern/],
    ['bad time', { channel: 'form', at: 'tomorrow' }, /\/at: must match format "date-time"/],
    ['misspelt key', { channel: 'form', tag: ['vip'] }, /unknown key "tag"/],
  ])('dry-run: %s → 422 with the reason', async (_name, body, reason) => {
    const res = await request(app).post('/v1/admin/routing/dry-run').set(auth).send(body as object);
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    expect(res.body.error.message).toMatch(reason);
  });

  test('dry-run: malformed JSON → 400', async () => {
    const res = await request(app).post('/v1/admin/routing/dry-run').set(auth).set('content-type', 'application/json').send('{"channel":');
    expect(res.status).toBe(400);
  });

  test('first response: recorded once, observed once in the histogram; later calls answer the first figures', async () => {
    const assigner = new OwnerAssigner(store, engine);
    const created = new Date(Date.now() - 10 * 60_000);
    const lead = await persist(store, leadRecord({ normalizedAt: created.toISOString(), source: { utm: { utm_source: 'yandex' } }, tags: ['vip'] }));
    await assigner.assign(lead);
    const at = new Date(created.getTime() + 125_000).toISOString();
    const first = await request(app).post(`/v1/leads/${lead.leadId}/first-response`).set(auth).send({ at });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ leadId: lead.leadId, ruleId: 'yandex', seconds: 125, alreadyRecorded: false, breached: false, respondedAt: at });
    const again = await request(app).post(`/v1/leads/${lead.leadId}/first-response`).set(auth).send({});
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ seconds: 125, alreadyRecorded: true });
    const histogram = (await metrics.firstResponse.get()).values;
    expect(histogram.find((v) => v.metricName === 'leadgate_router_first_response_seconds_count')).toMatchObject({ value: 1, labels: { rule: 'yandex' } });
    expect(histogram.find((v) => v.metricName === 'leadgate_router_first_response_seconds_sum')?.value).toBe(125);
    const [row] = await store.query<{ status: string }>('select status from lead_sla where lead_id = $1', [lead.leadId]);
    expect(row.status).toBe('responded');
  });

  test('first response: unknown lead → 404, bad body → 422, empty body means now', async () => {
    expect((await request(app).post('/v1/leads/nope/first-response').set(auth).send({})).status).toBe(404);
    const bad = await request(app).post('/v1/leads/nope/first-response').set(auth).send({ at: 12 });
    expect(bad.status).toBe(422);
    expect(bad.body.error.message).toMatch(/\/at: must be string/);
    const lead = await persist(store, leadRecord());
    await new OwnerAssigner(store, engine).assign(lead);
    const res = await request(app).post(`/v1/leads/${lead.leadId}/first-response`).set(auth);
    expect(res.status).toBe(200);
    expect(res.body.alreadyRecorded).toBe(false);
    expect(res.body.seconds).toBeLessThan(60);
  });
});
