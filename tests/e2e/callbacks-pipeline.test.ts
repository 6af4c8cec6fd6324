import { randomUUID } from 'node:crypto';
import type { RunningPipeline } from '../../bin/pipeline.js';
import { mangoSign } from '../../connectors/telephony/mango.signature.js';
import type { CallbackTask } from '../../contracts/delivery.js';
import { startCrmStub, type CrmStub, type ReceivedDelivery } from '../../scripts/crm-stub.js';
import { createTestEnvironment, type TestEnvironment } from '../support/pipeline-harness.js';
import { eventually } from '../support/routing-fixtures.js';

const creds = { apiKey: 'e2e-callbacks-api-key', apiSalt: 'e2e-callbacks-api-salt' };
const line = '74951234567';

/** A signed Mango events/summary, the one final event of a call. */
async function summary(port: number, call: { direction: 'in' | 'out'; number: string; answered: boolean; at: number; entryId?: string }): Promise<void> {
  const data = {
    entry_id: call.entryId ?? `CB-${randomUUID()}`,
    call_direction: call.direction === 'in' ? 1 : 2,
    from: call.direction === 'in' ? { number: call.number } : { extension: '106', number: line },
    to: call.direction === 'in' ? { extension: '106', line_number: line } : { number: call.number },
    line_number: line,
    create_time: call.at,
    forward_time: call.at + 2,
    talk_time: call.answered ? call.at + 5 : 0,
    end_time: call.at + 60,
    entry_result: call.answered ? 1 : 0,
    disconnect_reason: call.answered ? 1120 : 1111,
  };
  const json = JSON.stringify(data);
  const res = await fetch(`http://127.0.0.1:${port}/v1/hooks/mango/events/summary`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ vpbx_api_key: creds.apiKey, sign: mangoSign(creds.apiKey, json, creds.apiSalt), json }).toString(),
  });
  expect(res.status).toBe(200);
}

const callbackOf = (d: ReceivedDelivery): CallbackTask => d.body.callback as CallbackTask;
const ofEvent = (crm: CrmStub, event: string): ReceivedDelivery[] => crm.accepted.filter((d) => d.body.event === event);

/** Waits until the CRM stub holds `n` deliveries of `event`. */
const delivered = (crm: CrmStub, event: string, n: number): Promise<ReceivedDelivery[]> =>
  eventually(async () => (ofEvent(crm, event).length >= n ? ofEvent(crm, event) : undefined), `${n} × ${event} at the CRM stub`, 60_000);

describe('missed call → callback task, end to end (Kafka + PostgreSQL + telephony webhook + CRM stub)', () => {
  let crm: CrmStub;
  let env: TestEnvironment;
  let pipeline: RunningPipeline;

  beforeAll(async () => {
    crm = await startCrmStub();
    env = await createTestEnvironment('kafka', {
      normalizer: { defaultRegion: 'RU', mergeWindowMinutes: 120 },
      router: {
        owners: [{ id: 'anna' }, { id: 'boris' }],
        destination: { kind: 'webhook', url: crm.url },
        retry: { attempts: 3, initialMs: 20, maxMs: 200 },
        callbacks: { dueMinutes: 20 },
      },
      connectors: [{ id: 'mango', kind: 'mango', ...creds }],
    });
    pipeline = await env.start();
  });

  afterAll(async () => {
    await env.cleanup();
    await crm.close();
  });

  test('three missed calls make one task with attempts = 3; an answered call closes it; each reaches the CRM once', async () => {
    const port = pipeline.port as number;
    const t0 = Math.floor(Date.now() / 1000) - 600;
    const first = { direction: 'in' as const, number: '79161234567', answered: false, at: t0, entryId: `CB-${randomUUID()}` };
    await summary(port, first);
    const [created] = await delivered(crm, 'callback.create', 1);
    // The PBX retries the same summary: same raw event, so no attempt is counted (checked by attempts below).
    await summary(port, first);
    const [lead] = ofEvent(crm, 'lead.create');
    const task = callbackOf(created);
    expect(task).toMatchObject({ phone: '+79161234567', attempts: 1, status: 'open' });
    // Due `dueMinutes` (20, configured) after the call started.
    expect(Date.parse(task.dueAt) - t0 * 1000).toBe(20 * 60_000);
    expect(created.body.ownerId).toBe(lead.body.ownerId);
    expect(created.idempotencyKey).toBe(`callback:${task.taskId}:create`);

    await summary(port, { direction: 'in', number: '79161234567', answered: false, at: t0 + 120 });
    await summary(port, { direction: 'in', number: '79161234567', answered: false, at: t0 + 240 });
    const updates = await delivered(crm, 'callback.update', 2);
    expect(updates.map((u) => callbackOf(u).attempts).sort()).toEqual([2, 3]);
    expect(new Set(updates.map((u) => callbackOf(u).taskId))).toEqual(new Set([task.taskId]));
    const last = updates.find((u) => callbackOf(u).attempts === 3) as ReceivedDelivery;
    expect(callbackOf(last).lastCallAt).toBe(new Date((t0 + 240) * 1000).toISOString());
    // The later calls join the lead as activities: no second lead, no second task.
    const activities = await delivered(crm, 'lead.activity', 2);
    expect(new Set(activities.map((a) => (a.body.lead as { leadId: string }).leadId))).toEqual(new Set([(lead.body.lead as { leadId: string }).leadId]));

    await summary(port, { direction: 'in', number: '79161234567', answered: true, at: t0 + 400 });
    const [closed] = await delivered(crm, 'callback.close', 1);
    expect(callbackOf(closed)).toMatchObject({ taskId: task.taskId, status: 'closed', closedReason: 'answered', attempts: 3 });
    expect(closed.idempotencyKey).toBe(`callback:${task.taskId}:close`);
    await delivered(crm, 'lead.activity', 3);

    expect(ofEvent(crm, 'lead.create')).toHaveLength(1);
    expect(ofEvent(crm, 'callback.create')).toHaveLength(1);
    const [{ open }] = await pipeline.store.query<{ open: string }>("select count(*)::text as open from callback_tasks where status = 'open'");
    expect(open).toBe('0');
  });

  test('an outbound call to the number closes its task (called back)', async () => {
    const port = pipeline.port as number;
    const t0 = Math.floor(Date.now() / 1000) - 300;
    const before = ofEvent(crm, 'callback.create').length;
    await summary(port, { direction: 'in', number: '79035550101', answered: false, at: t0 });
    const created = (await delivered(crm, 'callback.create', before + 1)).find((d) => callbackOf(d).phone === '+79035550101') as ReceivedDelivery;
    expect(created).toBeDefined();
    const closesBefore = ofEvent(crm, 'callback.close').length;
    // The operator calls back; even unanswered, reaching out closes the to-do.
    await summary(port, { direction: 'out', number: '79035550101', answered: false, at: t0 + 60 });
    const closes = await delivered(crm, 'callback.close', closesBefore + 1);
    const closed = closes.find((d) => callbackOf(d).taskId === callbackOf(created).taskId) as ReceivedDelivery;
    expect(callbackOf(closed)).toMatchObject({ status: 'closed', closedReason: 'called_back', attempts: 1 });
  });

  test('every delivery reached the CRM exactly once (one request per idempotency key)', async () => {
    const keys = crm.requests.map((r) => r.idempotencyKey);
    expect(new Set(keys).size).toBe(keys.length);
    expect(crm.replays).toEqual([]);
  });
});
