import { randomUUID } from 'node:crypto';
import type { RunningPipeline } from '../../bin/pipeline.js';
import { zadarmaSignatures, zadarmaSignedString } from '../../connectors/telephony/zadarma.signature.js';
import type { LiveEvent } from '../../contracts/live-event.js';
import { Topics } from '../../contracts/topics.js';
import { startCrmStub, type CrmStub, type ReceivedDelivery } from '../../scripts/crm-stub.js';
import { connectStream, type StreamClient } from '../support/live-stream-client.js';
import { createTestEnvironment, type TestEnvironment } from '../support/pipeline-harness.js';
import { eventually } from '../support/routing-fixtures.js';

const token = 'e2e-live-stream-admin-token-0123';
const apiSecret = 'e2e-live-stream-zadarma-secret';
const phone = '79161230077';

/** A Zadarma notification, urlencoded and signed as Zadarma signs it (base64 of the raw HMAC-SHA1). */
async function zadarma(port: number, fields: Record<string, string>): Promise<void> {
  const signed = zadarmaSignedString(fields.event ?? '', fields) ?? '';
  const res = await fetch(`http://127.0.0.1:${port}/v1/hooks/zd`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', signature: zadarmaSignatures(apiSecret, signed).ofBytes },
    body: new URLSearchParams(fields).toString(),
  });
  expect(res.status).toBe(200);
}

/** One inbound call nobody answered: NOTIFY_START, then NOTIFY_END with `no answer`. */
function missedCall(pbxCallId: string): { start: Record<string, string>; end: Record<string, string> } {
  const base = { pbx_call_id: pbxCallId, call_start: '2024-05-14 12:31:00', caller_id: phone, called_did: '74951234567' };
  return {
    start: { ...base, event: 'NOTIFY_START' },
    end: { ...base, event: 'NOTIFY_END', internal: '', duration: '0', disposition: 'no answer', status_code: '19', is_recorded: '0' },
  };
}

const ofEvent = (crm: CrmStub, event: string): ReceivedDelivery[] => crm.accepted.filter((d) => d.body.event === event);

describe('live stream end to end (Kafka + PostgreSQL + Zadarma webhooks + CRM stub)', () => {
  let crm: CrmStub;
  let env: TestEnvironment;
  let pipeline: RunningPipeline;
  let second: RunningPipeline;
  const clients: StreamClient[] = [];

  beforeAll(async () => {
    crm = await startCrmStub();
    env = await createTestEnvironment('kafka', {
      admin: { token },
      normalizer: { defaultRegion: 'RU', mergeWindowMinutes: 120 },
      router: { owners: [{ id: 'anna' }, { id: 'boris' }], destination: { kind: 'webhook', url: crm.url }, retry: { attempts: 3, initialMs: 20, maxMs: 200 } },
      connectors: [{ id: 'zd', kind: 'zadarma', apiSecret, timeZone: 'Europe/Moscow' }],
    });
    pipeline = await env.start();
    // A second gateway instance: it consumes leads.events.v1 in a group of its own, so it must see every event too.
    second = await env.start(['gateway']);
  });

  afterAll(async () => {
    for (const c of clients) c.ws.terminate();
    await env.cleanup();
    await crm.close();
  });

  /**
   * Kafka joins the stream's consumer group a moment after the gateway starts, and it reads from the end:
   * probe events are published until every client got one, so the test's events cannot fall in that gap.
   */
  async function untilStreaming(targets: { client: StreamClient; owner: string }[]): Promise<void> {
    await eventually(async () => {
      await Promise.all(
        [...new Set(targets.map((t) => t.owner))].map((owner) =>
          pipeline.bus.publish(Topics.events, owner, { v: 1, type: 'lead.created', at: new Date().toISOString(), ownerId: owner, data: { probe: true } } satisfies LiveEvent),
        ),
      );
      await new Promise((r) => setTimeout(r, 500));
      return targets.every((t) => t.client.events.some((e) => e.data.probe === true)) ? true : undefined;
    }, 'the stream consumers to join', 90_000);
  }

  test('a known caller owned by X: X sees call.ringing then call.missed (on every gateway), Y sees neither', async () => {
    const port = pipeline.port as number;
    // First call from the number: the contact is created and gets an owner through the routing rules.
    const first = missedCall(`in_${randomUUID()}`);
    await zadarma(port, first.start);
    await zadarma(port, first.end);
    const [task] = await eventually(async () => (ofEvent(crm, 'callback.create').length > 0 ? ofEvent(crm, 'callback.create') : undefined), 'the first callback task', 60_000);
    const x = String(task?.body.ownerId);
    const y = x === 'anna' ? 'boris' : 'anna';
    const [lead] = ofEvent(crm, 'lead.create');
    const contactId = (lead?.body.lead as { contact: { id: string } }).contact.id;
    const leadId = (lead?.body.lead as { leadId: string }).leadId;

    const onX = await connectStream(port, { token, owner: x });
    const onY = await connectStream(port, { token });
    await onY.subscribe(y);
    const onXElsewhere = await connectStream(second.port as number, { token, via: 'query', owner: x });
    clients.push(onX, onY, onXElsewhere);
    await untilStreaming([
      { client: onX, owner: x },
      { client: onY, owner: y },
      { client: onXElsewhere, owner: x },
    ]);

    // The second call from the same number: a known contact with an owner and an open lead.
    const pbxCallId = `in_${randomUUID()}`;
    const callId = `zadarma:${pbxCallId}`;
    const second_ = missedCall(pbxCallId);
    await zadarma(port, second_.start);
    const ringing = await onX.waitFor((e) => e.type === 'call.ringing' && e.data.callId === callId, 'call.ringing on X');
    expect(ringing).toMatchObject({
      ownerId: x,
      contactId,
      leadId,
      data: { caller: `+${phone}`, line: '+74951234567', provider: 'zadarma', connectorId: 'zd', contact: { id: contactId, ownerId: x }, lead: { id: leadId, status: 'open', ownerId: x } },
    });
    await zadarma(port, second_.end);
    const missed = await onX.waitFor((e) => e.type === 'call.missed' && e.data.callId === callId, 'call.missed on X', 90_000);
    expect(missed).toMatchObject({ ownerId: x, contactId, data: { phone: `+${phone}`, status: 'missed', attempts: 2 } });
    const order = (c: StreamClient): string[] => c.events.filter((e) => e.data.callId === callId).map((e) => e.type);
    expect(order(onX)).toEqual(['call.ringing', 'call.missed']);

    // The other gateway pushed the same two events to its own client.
    await onXElsewhere.waitFor((e) => e.type === 'call.missed' && e.data.callId === callId, 'call.missed on the second gateway');
    expect(order(onXElsewhere)).toEqual(['call.ringing', 'call.missed']);

    // Y's client: an event for Y published after X's two were pushed arrives; had X's reached Y, they would be before it.
    const yMarker = randomUUID();
    await pipeline.bus.publish(Topics.events, y, { v: 1, type: 'lead.created', at: new Date().toISOString(), ownerId: y, data: { marker: yMarker } } satisfies LiveEvent);
    await onY.waitFor((e) => e.data.marker === yMarker, "Y's marker");
    expect(onY.events.filter((e) => e.ownerId !== y)).toEqual([]);
    expect(order(onY)).toEqual([]);
  });
});
