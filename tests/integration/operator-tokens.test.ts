import { randomUUID } from 'node:crypto';
import type { RunningPipeline } from '../../bin/pipeline.js';
import type { LiveEvent } from '../../contracts/live-event.js';
import { Topics } from '../../contracts/topics.js';
import { DeadLetterIndex } from '../../router/dlq/dead-letter.index.js';
import { connectStream, upgradeStatus, type StreamClient } from '../support/live-stream-client.js';
import { createTestEnvironment, type TestEnvironment } from '../support/pipeline-harness.js';

const adminToken = 'operator-tokens-admin-token-0123456789';
const annaToken = 'operator-tokens-anna-token-0123456789';

describe('operator tokens: read-only console access per owner (embedded)', () => {
  let env: TestEnvironment;
  let pipeline: RunningPipeline;
  let base: string;
  const clients: StreamClient[] = [];

  const call = async (method: string, path: string, token: string | undefined, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, json: text.startsWith('{') ? (JSON.parse(text) as Record<string, unknown>) : {} };
  };

  beforeAll(async () => {
    env = await createTestEnvironment('embedded', {
      admin: { token: adminToken, operators: [{ ownerId: 'anna', token: annaToken }] },
      stream: { maxEventAgeMs: 3_600_000 },
      router: { owners: [{ id: 'anna' }, { id: 'boris' }] },
    });
    pipeline = await env.start(['gateway']);
    base = `http://127.0.0.1:${String(pipeline.port)}`;
    await new DeadLetterIndex(pipeline.store).record({
      v: 1,
      stage: 'router',
      code: 'DESTINATION_REJECTED',
      reason: 'CRM refused +7 916 123-45-67',
      failedAt: new Date().toISOString(),
      destinationId: 'crm',
      response: { status: 400, body: { error: 'duplicate phone 79161234567' } },
      sourceTopic: Topics.normalized,
      key: 'contact-1',
      record: { lead: { connectorId: 'site', contact: { name: 'Иван Петров', phones: ['+79161234567'], emails: ['ivan.petrov@example.com'] } } },
    });
  });

  afterEach(() => {
    for (const c of clients.splice(0)) c.ws.terminate();
  });

  afterAll(async () => {
    await env.cleanup();
  });

  test('whoami names the principal; a wrong token is 401 for both kinds of route', async () => {
    expect((await call('GET', '/v1/admin/whoami', adminToken)).json).toEqual({ role: 'admin' });
    expect((await call('GET', '/v1/admin/whoami', annaToken)).json).toEqual({ role: 'operator', ownerId: 'anna' });
    expect((await call('GET', '/v1/admin/whoami', 'not-a-token-not-a-token-0000')).status).toBe(401);
    expect((await call('GET', '/v1/admin/connectors', 'not-a-token-not-a-token-0000')).json).toMatchObject({ error: { code: 'UNAUTHORIZED', details: { reason: 'bad_token' } } });
  });

  test('an operator may look up leads and view the reaction report', async () => {
    // 404 no_contact, not 401/403: the lookup ran for the operator.
    expect((await call('GET', '/v1/admin/lookup?q=%2B79990000000', annaToken)).json).toMatchObject({ error: { code: 'NOT_FOUND', details: { reason: 'no_contact' } } });
    const report = await call('GET', '/v1/reports/reaction?groupBy=owner', annaToken);
    expect(report.status).toBe(200);
    expect(report.json).toHaveProperty('rows');
  });

  test('an operator sees dead letters masked only; the admin sees them as stored; the unmasked DLQ API is 403', async () => {
    const operator = await call('GET', '/v1/admin/dead-letters', annaToken);
    expect(operator.status).toBe(200);
    expect(operator.json.masked).toBe(true);
    const shown = JSON.stringify(operator.json.items);
    expect(shown).toContain('DESTINATION_REJECTED');
    for (const pii of ['79161234567', '123-45-67', 'ivan.petrov@', 'Иван Петров']) expect(shown).not.toContain(pii);
    expect(shown).toContain('***67');
    expect(shown).toContain('i***@example.com');

    const admin = await call('GET', '/v1/admin/dead-letters', adminToken);
    expect(admin.json.masked).toBe(false);
    expect(JSON.stringify(admin.json.items)).toContain('+79161234567');

    expect((await call('GET', '/v1/admin/dlq', annaToken)).json).toMatchObject({ error: { code: 'FORBIDDEN', details: { reason: 'operator_read_only' } } });
  });

  test.each([
    ['POST', '/v1/admin/dlq/replay', { ids: [1] }],
    ['POST', '/v1/admin/contacts/erase', { contactId: randomUUID() }],
    ['PUT', '/v1/admin/owners/anna/availability', { available: false }],
    ['POST', '/v1/admin/routing/dry-run', {}],
    ['POST', '/v1/admin/destinations/crm/resume', {}],
    ['GET', '/v1/admin/connectors', undefined],
    ['GET', '/v1/admin/routing/rules', undefined],
    ['GET', '/v1/admin/owners', undefined],
  ] as const)('an operator token is refused %s %s with 403 operator_read_only', async (method, path, body) => {
    const res = await call(method, path, annaToken, body);
    expect(res.status).toBe(403);
    expect(res.json).toMatchObject({ error: { code: 'FORBIDDEN', details: { reason: 'operator_read_only', ownerId: 'anna' } } });
  });

  test("callbacks: an operator gets its own owner's tasks, another owner's is 403", async () => {
    expect((await call('GET', '/v1/admin/callbacks', annaToken)).status).toBe(200);
    expect((await call('GET', '/v1/admin/callbacks?owner=anna', annaToken)).status).toBe(200);
    expect((await call('GET', '/v1/admin/callbacks?owner=boris', annaToken)).json).toMatchObject({ error: { code: 'FORBIDDEN', details: { reason: 'other_owner' } } });
  });

  test("the live stream of an operator carries its owner's events only, whatever it asks for", async () => {
    const port = pipeline.port as number;
    expect(await upgradeStatus(port, { token: annaToken, owner: 'boris' })).toBe(403);
    const operator = await connectStream(port, { token: annaToken, via: 'query' });
    clients.push(operator);
    const admin = await connectStream(port, { token: adminToken });
    clients.push(admin);
    expect(operator.controls[0]).toMatchObject({ type: 'subscribed', owner: 'anna' });

    // Asking for everything is refused on the socket too; the pin stays.
    operator.ws.send(JSON.stringify({ type: 'subscribe', owner: '*' }));
    const event = (ownerId: string | undefined): LiveEvent => ({ v: 1, type: 'lead.assigned', at: new Date().toISOString(), ...(ownerId ? { ownerId } : {}), data: { marker: randomUUID() } });
    const forBoris = event('boris');
    const unowned = event(undefined);
    const forAnna = event('anna');
    for (const e of [forBoris, unowned, forAnna]) await pipeline.bus.publish(Topics.events, 'test', e);

    await admin.waitFor((e) => e.data.marker === forAnna.data.marker, "the admin's copy of the last event");
    await operator.waitFor((e) => e.data.marker === forAnna.data.marker, "anna's event at her operator");
    // Same key, so in publish order: by the time anna's event arrived, the others would have too.
    expect(operator.events.map((e) => e.data.marker)).toEqual([forAnna.data.marker]);
    expect(admin.events.map((e) => e.data.marker)).toEqual([forBoris.data.marker, unowned.data.marker, forAnna.data.marker]);
    expect(operator.controls).toContainEqual(expect.objectContaining({ type: 'error', code: 'FORBIDDEN', reason: 'other_owner' }));
  });
});
