import { randomUUID } from 'node:crypto';
import type { Delivery } from '../../contracts/delivery.js';
import type { LeadV1 } from '../../contracts/lead.js';
import type { CallFacts } from '../../contracts/lead-draft.js';
import { Metrics } from '../../platform/telemetry/metrics.js';
import { CallbackHandler } from '../../router/callbacks/callback.handler.js';
import { LiveEventPublisher } from '../../router/sla/live-event.publisher.js';
import { RecordingBus } from '../support/recording-bus.js';
import { leadRecord, routingDatabase, silentLogger } from '../support/routing-fixtures.js';

const phone = '+79161234567';
const contactId = 'contact-caller';

function callLead(call: Partial<CallFacts> & Pick<CallFacts, 'direction' | 'status'>, at: Date): LeadV1 {
  return leadRecord({
    type: 'lead.activity',
    leadId: 'lead-caller',
    channel: 'call',
    connectorId: 'mango',
    contact: { id: contactId, isNew: false, phones: [phone], emails: [], ids: [] },
    call: { callId: `mango:${randomUUID()}`, from: call.direction === 'inbound' ? phone : '+74951234567', to: call.direction === 'inbound' ? '+74951234567' : phone, startedAt: at.toISOString(), ...call } as CallFacts,
  });
}

describe('callback tasks on PostgreSQL with two routers', () => {
  let env: Awaited<ReturnType<typeof routingDatabase>>;
  let handlers: CallbackHandler[];
  let buses: RecordingBus[];

  beforeEach(async () => {
    env = await routingDatabase(2);
    buses = env.stores.map(() => new RecordingBus());
    handlers = env.stores.map((store, i) => new CallbackHandler(store, { config: { enabled: true, dueMinutes: 15 }, events: new LiveEventPublisher(buses[i], silentLogger), metrics: new Metrics({ defaultMetrics: false }) }));
  });

  afterEach(async () => {
    await env.close();
  });

  test('ten missed calls from one number handled at once by two routers: one task, attempts 1..10, one create', async () => {
    const t0 = Date.parse('2026-02-02T10:00:00Z');
    const calls = Array.from({ length: 10 }, (_, i) => callLead({ direction: 'inbound', status: 'missed' }, new Date(t0 + i * 60_000)));
    const deliveries = (await Promise.all(calls.map((c, i) => handlers[i % 2].handle(c, 'anna')))) as Delivery[];
    expect(deliveries.filter((d) => d.kind === 'callback.create')).toHaveLength(1);
    expect(deliveries.filter((d) => d.kind === 'callback.update')).toHaveLength(9);
    expect(deliveries.map((d) => d.callback?.attempts).sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(new Set(deliveries.map((d) => d.callback?.taskId)).size).toBe(1);
    expect(new Set(deliveries.map((d) => d.idempotencyKey)).size).toBe(10);
    const [task] = await env.stores[0].query<{ attempts: number; status: string; last_call_at: Date; due_at: Date }>('select attempts, status, last_call_at, due_at from callback_tasks');
    expect(task).toMatchObject({ attempts: 10, status: 'open' });
    expect(task.last_call_at.toISOString()).toBe(new Date(t0 + 9 * 60_000).toISOString());
    // Due 15 minutes after the call that opened it, whichever that was.
    const opener = deliveries.find((d) => d.kind === 'callback.create') as Delivery;
    expect(task.due_at.getTime() - Date.parse(opener.lead.call?.startedAt as string)).toBe(15 * 60_000);
  });

  test('a redelivered call record re-sends the same delivery and counts nothing', async () => {
    const call = callLead({ direction: 'inbound', status: 'busy' }, new Date());
    const first = await handlers[0].handle(call, 'anna');
    const again = await handlers[1].handle(call, 'boris');
    expect(again).toEqual(first);
    const second = await handlers[1].handle(callLead({ direction: 'inbound', status: 'missed' }, new Date()), 'boris');
    expect(second).toMatchObject({ kind: 'callback.update', ownerId: 'anna', callback: { attempts: 2 } });
    // Live events only for changes made now: one call.missed + callback.created, one call.missed for the update.
    const types = [...buses[0].records, ...buses[1].records].map((r) => (r.value as { type: string }).type).sort();
    expect(types).toEqual(['call.missed', 'call.missed', 'callback.created']);
  });

  test('an answered call closes the task once; an outbound call after that finds nothing to close', async () => {
    await handlers[0].handle(callLead({ direction: 'inbound', status: 'missed' }, new Date()), 'anna');
    const closed = await handlers[1].handle(callLead({ direction: 'inbound', status: 'answered' }, new Date()), 'anna');
    expect(closed).toMatchObject({ kind: 'callback.close', callback: { status: 'closed', closedReason: 'answered', attempts: 1 } });
    expect(await handlers[0].handle(callLead({ direction: 'outbound', status: 'answered' }, new Date()), 'anna')).toBeUndefined();
    // A new missed call opens a new task.
    const reopened = await handlers[0].handle(callLead({ direction: 'inbound', status: 'missed' }, new Date()), 'anna');
    expect(reopened?.kind).toBe('callback.create');
    expect(reopened?.callback?.taskId).not.toBe(closed?.callback?.taskId);
  });

  test('callbacks disabled: no task, no delivery', async () => {
    const off = new CallbackHandler(env.stores[0], { config: { enabled: false, dueMinutes: 15 }, events: new LiveEventPublisher(buses[0], silentLogger), metrics: new Metrics({ defaultMetrics: false }) });
    expect(await off.handle(callLead({ direction: 'inbound', status: 'missed' }, new Date()), 'anna')).toBeUndefined();
    expect(await env.stores[0].query('select * from callback_tasks')).toEqual([]);
  });
});
