import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import type { RunningPipeline } from '../../bin/pipeline.js';
import type { LiveEvent } from '../../contracts/live-event.js';
import { startCrmStub, type CrmStub } from '../../scripts/crm-stub.js';
import { createTestEnvironment, postForm, type TestEnvironment } from '../support/pipeline-harness.js';
import { eventually } from '../support/routing-fixtures.js';

const adminToken = 'sla-stream-admin-token-0123456789';

/** A stream client for one owner that keeps every event it receives. */
async function streamClient(port: number, owner: string): Promise<{ events: LiveEvent[]; close(): void }> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/v1/stream?owner=${owner}`, { headers: { authorization: `Bearer ${adminToken}` } });
  const events: LiveEvent[] = [];
  await new Promise<void>((resolve, reject) => {
    ws.on('message', (data) => {
      const message = JSON.parse(String(data)) as { type: string; v?: number };
      if (message.type === 'subscribed') resolve();
      else if (message.v === 1) events.push(message as LiveEvent);
    });
    ws.once('error', reject);
  });
  return { events, close: () => ws.close() };
}

describe('SLA breach → escalation seen on the live stream (Kafka + PostgreSQL)', () => {
  let crm: CrmStub;
  let env: TestEnvironment;
  let pipeline: RunningPipeline;

  beforeAll(async () => {
    crm = await startCrmStub();
    env = await createTestEnvironment('kafka', {
      admin: { token: adminToken },
      router: {
        owners: [{ id: 'anna' }, { id: 'boris' }],
        // 0.05 min = 3 s: short enough for a test, the loop polls every 200 ms.
        rules: [{ id: 'hot', pool: ['anna', 'boris'], strategy: 'fixed', slaMinutes: 0.05, escalation: ['reassign', 'notify'] }],
        sla: { pollIntervalMs: 200, supervisorId: 'supervisor' },
        destination: { kind: 'webhook', url: crm.url },
      },
      connectors: [{ id: 'site', kind: 'forms' }],
    });
    pipeline = await env.start();
  });

  afterAll(async () => {
    await env.cleanup();
    await crm.close();
  });

  test('a lead nobody answers: sla.breached reaches the owner who missed it, lead.assigned the next one; metrics count it', async () => {
    const port = pipeline.port as number;
    const anna = await streamClient(port, 'anna');
    const boris = await streamClient(port, 'boris');
    try {
      const res = await postForm(port, 'site', { name: 'Slow Lead', phone: '+79160000001', tranid: randomUUID() });
      expect(res.status).toBe(202);
      const [delivery] = await crm.waitForAccepted(1);
      const leadId = (delivery.body.lead as { leadId: string }).leadId;
      expect(delivery.body.ownerId).toBe('anna');

      const breach = await eventually(async () => anna.events.find((e) => e.type === 'sla.breached' && e.leadId === leadId), 'sla.breached on the stream');
      expect(breach).toMatchObject({ ownerId: 'anna', data: { ruleId: 'hot', level: 1, final: true, reassignedTo: 'boris', supervisorId: 'supervisor' } });
      const handover = await eventually(async () => boris.events.find((e) => e.type === 'lead.assigned' && e.leadId === leadId), 'lead.assigned to boris');
      expect(handover.data).toMatchObject({ previousOwnerId: 'anna', reason: 'sla_escalation' });
      // Owner filtering: anna's client never sees boris's event.
      expect(anna.events.filter((e) => e.ownerId !== 'anna')).toEqual([]);

      // A response after the breach is still measured, and says it came late.
      const late = await fetch(`http://127.0.0.1:${port}/v1/leads/${leadId}/first-response`, { method: 'POST', headers: { authorization: `Bearer ${adminToken}` } });
      expect(late.status).toBe(200);
      expect(await late.json()).toMatchObject({ leadId, ownerId: 'boris', breached: true, alreadyRecorded: false });

      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      expect(metrics).toMatch(/leadgate_router_sla_breaches_total\{rule="hot"\} 1/);
      expect(metrics).toMatch(/leadgate_router_first_response_seconds_count\{rule="hot"\} 1/);
      expect(metrics).toMatch(/leadgate_router_leads_assigned_total\{owner="anna",rule="hot"\} 1/);
      expect(metrics).toMatch(/leadgate_router_leads_assigned_total\{owner="boris",rule="sla_escalation"\} 1/);
    } finally {
      anna.close();
      boris.close();
    }
  });
});
