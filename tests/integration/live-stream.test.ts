import { randomUUID } from 'node:crypto';
import type { RunningPipeline } from '../../bin/pipeline.js';
import type { LiveEvent, LiveEventType } from '../../contracts/live-event.js';
import { Topics } from '../../contracts/topics.js';
import { connectStalledClient, connectStream, upgradeStatus, type StreamClient } from '../support/live-stream-client.js';
import { createTestEnvironment, type TestEnvironment } from '../support/pipeline-harness.js';
import { eventually } from '../support/routing-fixtures.js';

const token = 'live-stream-admin-token-0123456789';
const callSecret = 'live-stream-call-secret-0123';

function liveEvent(type: LiveEventType, ownerId: string | undefined, data: Record<string, unknown> = {}): LiveEvent {
  return { v: 1, type, at: new Date().toISOString(), ...(ownerId ? { ownerId } : {}), data: { marker: randomUUID(), ...data } };
}

const marker = (e: LiveEvent): unknown => e.data.marker;

async function metric(port: number, pattern: RegExp): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const m = pattern.exec(text);
  return m ? Number(m[1]) : 0;
}

async function postCall(port: number, body: Record<string, unknown>): Promise<Response> {
  return fetch(`http://127.0.0.1:${port}/v1/hooks/pbx`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-leadgate-token': callSecret },
    body: JSON.stringify(body),
  });
}

describe('live stream on the embedded bus (PGlite)', () => {
  let env: TestEnvironment;
  let pipeline: RunningPipeline;
  let port: number;
  const clients: StreamClient[] = [];
  const open = async (...args: Parameters<typeof connectStream>): Promise<StreamClient> => {
    const c = await connectStream(...args);
    clients.push(c);
    return c;
  };
  // One key for every test event, so the embedded log hands them to the stream in publish order.
  const publish = (event: LiveEvent): Promise<void> => pipeline.bus.publish(Topics.events, 'test', event);

  beforeAll(async () => {
    env = await createTestEnvironment('embedded', {
      admin: { token },
      // Heartbeats far apart here: the flood below blocks the loop in PGlite, which must not look like a dead peer.
      // Event age cap at an hour: on a loaded machine the stream consumer may read the flood more than the
      // default minute after it was published, and aged events are skipped by design.
      stream: { heartbeatMs: 120_000, maxBufferedBytes: 65_536, maxEventAgeMs: 3_600_000 },
      connectors: [{ id: 'pbx', kind: 'call-webhook', secret: callSecret }],
    });
    pipeline = await env.start(['gateway']);
    port = pipeline.port as number;
  });

  afterEach(() => {
    for (const c of clients.splice(0)) c.ws.terminate();
  });

  afterAll(async () => {
    await env.cleanup();
  });

  test('the upgrade needs the admin token: missing or wrong → 401 before any WebSocket, counted; header and ?token= both work', async () => {
    const before = await metric(port, /leadgate_stream_rejected_total\{reason="unauthorized"\} (\d+)/);
    expect(await upgradeStatus(port, {})).toBe(401);
    expect(await upgradeStatus(port, { token: 'wrong-token-wrong-token-000' })).toBe(401);
    expect(await upgradeStatus(port, { token: 'wrong-token-wrong-token-000', via: 'query' })).toBe(401);
    expect(await metric(port, /leadgate_stream_rejected_total\{reason="unauthorized"\} (\d+)/)).toBe(before + 3);
    expect(await upgradeStatus(port, { token, path: '/v1/elsewhere' })).toBe(404);
    expect(await upgradeStatus(port, { token, owner: 'has space' })).toBe(422);

    const byHeader = await open(port, { token });
    const byQuery = await open(port, { token, via: 'query' });
    expect(byHeader.controls[0]).toEqual({ type: 'subscribed', owner: null });
    expect(byQuery.controls[0]).toEqual({ type: 'subscribed', owner: null });
    expect(await metric(port, /leadgate_stream_clients (\d+)/)).toBe(2);
  });

  test('owner filter by ?owner= or a subscribe message; no filter (or "*") gets every event', async () => {
    const anna = await open(port, { token, owner: 'anna' });
    const boris = await open(port, { token });
    await boris.subscribe('boris');
    const all = await open(port, { token });
    expect(anna.controls[0]).toEqual({ type: 'subscribed', owner: 'anna' });

    const forAnna = liveEvent('callback.created', 'anna');
    const forBoris = liveEvent('sla.breached', 'boris');
    const forNobody = liveEvent('lead.created', undefined);
    const lastForAnna = liveEvent('call.missed', 'anna');
    const lastForBoris = liveEvent('lead.assigned', 'boris');
    for (const e of [forAnna, forBoris, forNobody, lastForAnna, lastForBoris]) await publish(e);

    await all.waitFor((e) => marker(e) === marker(lastForBoris), 'the last event on the all-owners client');
    await anna.waitFor((e) => marker(e) === marker(lastForAnna), "anna's last event");
    await boris.waitFor((e) => marker(e) === marker(lastForBoris), "boris's last event");
    expect(all.events.map(marker)).toEqual([forAnna, forBoris, forNobody, lastForAnna, lastForBoris].map(marker));
    expect(anna.events).toEqual([forAnna, lastForAnna]);
    expect(boris.events).toEqual([forBoris, lastForBoris]);

    // Switching back to everything; a bad request is answered, not fatal.
    await anna.subscribe('*');
    anna.ws.send('not json');
    anna.ws.send(JSON.stringify({ type: 'subscribe', owner: 'has space' }));
    const afterSwitch = liveEvent('lead.created', 'boris');
    await publish(afterSwitch);
    await anna.waitFor((e) => marker(e) === marker(afterSwitch), 'boris event on anna after subscribing to all');
    expect(anna.controls.filter((c) => c.type === 'error').map((c) => c.code)).toEqual(['BAD_REQUEST', 'VALIDATION_FAILED']);
    expect(anna.ws.readyState).toBe(anna.ws.OPEN);
  });

  test('a client that stops reading is dropped once its buffer passes the cap; a normal client keeps receiving', async () => {
    const slowDrops = (): Promise<number> => metric(port, /leadgate_stream_clients_dropped_total\{reason="slow"\} (\d+)/);
    const droppedBefore = await slowDrops();
    // Stalled at the TCP level right after the upgrade: it reads nothing more, so it would not even notice
    // its own disconnection until resumed.
    const slow = await connectStalledClient(port, token);
    const normal = await open(port, { token });

    // 64 KiB events: the kernel's socket buffers absorb a few MB before ws starts queueing in user space,
    // so flood until the server gives up on the slow client (bounded, so a broken cap fails the test).
    // Each round waits until the normal client has everything sent so far: the hub has then offered every
    // event to the slow client too, so the drop check sees what was pushed, not what the consumer still owes.
    const pad = 'x'.repeat(64 * 1024);
    let sent = 0;
    while ((await slowDrops()) === droppedBefore && sent < 2_000) {
      await Promise.all(Array.from({ length: 20 }, () => publish(liveEvent('lead.created', undefined, { pad }))));
      sent += 20;
      await eventually(async () => (normal.events.length >= sent ? true : undefined), `normal client has ${sent} events`, 120_000);
    }
    expect(await slowDrops()).toBe(droppedBefore + 1);
    // Only the normal client is left (the previous tests' clients are gone once their close was seen).
    await eventually(async () => ((await metric(port, /leadgate_stream_clients (\d+)/)) === 1 ? true : undefined), 'one client left');
    // Cut: once the client reads again it drains what the kernel held and meets the end of the connection.
    slow.resume();
    await slow.closed;

    const after = liveEvent('callback.closed', 'anna');
    await publish(after);
    await normal.waitFor((e) => marker(e) === marker(after), 'an event after the drop on the normal client');
    expect(normal.events.filter((e) => typeof e.data.pad === 'string')).toHaveLength(sent);
    expect(normal.ws.readyState).toBe(normal.ws.OPEN);
  });

  test('call.ringing for an inbound call start: the known caller comes with owner and open lead; an unknown one with the number only', async () => {
    const contactId = `c-${randomUUID()}`;
    const leadId = `l-${randomUUID()}`;
    await pipeline.store.query("insert into contacts (id, name, owner_id, created_at) values ($1, 'Ivan Petrov', 'anna', now())", [contactId]);
    await pipeline.store.query("insert into identities (kind, value, contact_id) values ('phone', '+79161112233', $1)", [contactId]);
    await pipeline.store.query(
      "insert into leads (id, contact_id, merge_until, owner_id, channel, connector_id, created_at, last_activity_at) values ($1, $2, now() + interval '1 hour', 'anna', 'call', 'pbx', now(), now())",
      [leadId, contactId],
    );
    const anna = await open(port, { token, owner: 'anna' });
    const all = await open(port, { token });

    // The caller as a PBX often sends it: a national number with the trunk prefix.
    const known = `known-${randomUUID()}`;
    expect((await postCall(port, { callId: known, event: 'start', direction: 'inbound', caller: '89161112233', line: '74950001122' })).status).toBe(202);
    const ringing = await anna.waitFor((e) => e.type === 'call.ringing', 'call.ringing for anna');
    expect(ringing).toMatchObject({
      ownerId: 'anna',
      contactId,
      leadId,
      data: {
        callId: `call-webhook:${known}`,
        provider: 'call-webhook',
        connectorId: 'pbx',
        caller: '+79161112233',
        line: '+74950001122',
        contact: { id: contactId, name: 'Ivan Petrov', ownerId: 'anna' },
        lead: { id: leadId, status: 'open', ownerId: 'anna' },
      },
    });

    // A provider retry of the start, an outbound start and the call's end announce nothing more.
    await postCall(port, { callId: known, event: 'start', direction: 'inbound', caller: '89161112233' });
    await postCall(port, { callId: `out-${randomUUID()}`, event: 'start', direction: 'outbound', caller: '+79161112233' });
    await postCall(port, { callId: known, event: 'end', direction: 'inbound', caller: '89161112233', outcome: 'missed' });
    const unknown = `unknown-${randomUUID()}`;
    await postCall(port, { callId: unknown, event: 'start', direction: 'inbound', caller: '+79035550000' });
    const stranger = await all.waitFor((e) => e.type === 'call.ringing' && e.data.callId === `call-webhook:${unknown}`, 'ringing of the unknown caller');
    expect(stranger.ownerId).toBeUndefined();
    expect(stranger.contactId).toBeUndefined();
    expect(stranger.data).toEqual({ callId: `call-webhook:${unknown}`, provider: 'call-webhook', connectorId: 'pbx', caller: '+79035550000' });
    // The unknown caller's ringing was announced last, so by now anna's client has everything it will get.
    expect(all.events.filter((e) => e.type === 'call.ringing').map((e) => e.data.callId)).toEqual([`call-webhook:${known}`, `call-webhook:${unknown}`]);
    expect(anna.events.map((e) => e.type)).toEqual(['call.ringing']);
  });

  test('server shutdown closes every client with 1001 and refuses new upgrades', async () => {
    const a = await open(port, { token });
    const b = await open(port, { token, owner: 'anna' });
    await pipeline.close();
    expect(await a.closed).toBe(1001);
    expect(await b.closed).toBe(1001);
    await expect(connectStream(port, { token })).rejects.toThrow();
  });
});

describe('live stream heartbeats (PGlite)', () => {
  let env: TestEnvironment;
  let pipeline: RunningPipeline;

  beforeAll(async () => {
    env = await createTestEnvironment('embedded', { admin: { token }, stream: { heartbeatMs: 500 }, connectors: [] });
    pipeline = await env.start(['gateway']);
  });

  afterAll(async () => {
    await env.cleanup();
  });

  test('a peer that never answers pings is terminated; one that answers stays', async () => {
    const port = pipeline.port as number;
    const before = await metric(port, /leadgate_stream_clients_dropped_total\{reason="heartbeat"\} (\d+)/);
    const alive = await connectStream(port, { token });
    const dead = await connectStream(port, { token, autoPong: false });
    try {
      // Terminated, not closed: no close frame arrives, so the client sees 1006.
      expect(await dead.closed).toBe(1006);
      expect(dead.pings).toBeGreaterThanOrEqual(1);
      expect(await metric(port, /leadgate_stream_clients_dropped_total\{reason="heartbeat"\} (\d+)/)).toBe(before + 1);
      const deadline = Date.now() + 60_000;
      while (alive.pings < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(alive.pings).toBeGreaterThanOrEqual(4);
      expect(alive.ws.readyState).toBe(alive.ws.OPEN);
    } finally {
      alive.ws.terminate();
      dead.ws.terminate();
    }
  });
});
