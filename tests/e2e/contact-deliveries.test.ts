import type { RunningPipeline } from '../../bin/pipeline.js';
import { startCrmStub, type CrmStub } from '../../scripts/crm-stub.js';
import { createTestEnvironment, postForm, type Backend, type TestEnvironment } from '../support/pipeline-harness.js';

const adminToken = 'contact-deliveries-admin-token';

interface DeliveredLead {
  leadId: string;
  contact: { id: string; phones: string[]; emails: string[]; name?: string };
}

const leadOf = (delivery: { body: Record<string, unknown> }): DeliveredLead => delivery.body.lead as DeliveredLead;

describe.each<Backend>(['embedded', 'kafka'])('contact deliveries on %s', (backend) => {
  let crm: CrmStub;
  let env: TestEnvironment;
  let port: number;
  let pipeline: RunningPipeline;

  beforeEach(async () => {
    crm = await startCrmStub();
    env = await createTestEnvironment(backend, {
      admin: { token: adminToken },
      // No merge window: every request is its own lead, so the merge and the erasure span several leads.
      normalizer: { mergeWindowMinutes: 0 },
      router: { owners: [{ id: 'anna' }, { id: 'boris' }], destination: { kind: 'webhook', url: crm.url } },
      connectors: [{ id: 'site', kind: 'forms' }],
    });
    pipeline = await env.start();
    port = pipeline.port as number;
  });

  afterEach(async () => {
    await env.cleanup();
    await crm.close();
  });

  test('a request linking two contacts delivers contact.merged once; erasing delivers contact.erased per lead without personal data', async () => {
    expect((await postForm(port, 'site', { name: 'Olga', phone: '+7 916 000-11-22', eventId: 'e1' })).status).toBe(202);
    await crm.waitForAccepted(1);
    expect((await postForm(port, 'site', { name: 'Olga', email: 'olga@example.com', eventId: 'e2' })).status).toBe(202);
    const [first, second] = await crm.waitForAccepted(2);
    const older = leadOf(first).contact.id;
    const newer = leadOf(second).contact.id;
    expect(newer).not.toBe(older);

    // Phone of the first contact and e-mail of the second: one person, the older contact survives.
    expect((await postForm(port, 'site', { name: 'Olga', phone: '89160001122', email: 'OLGA@example.com', eventId: 'e3' })).status).toBe(202);
    const afterMerge = await crm.waitForAccepted(4);
    const merged = afterMerge.filter((d) => d.body.event === 'contact.merged');
    expect(merged).toHaveLength(1);
    expect(merged[0].body).toMatchObject({ mergedContactId: newer, lead: { contact: { id: older } } });
    expect(merged[0].idempotencyKey).toBe(`merge:${newer}:into:${older}`);

    const erase = await fetch(`http://127.0.0.1:${port}/v1/admin/contacts/erase`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'olga@example.com' }),
    });
    expect(erase.status).toBe(200);
    const leadIds = new Set(afterMerge.filter((d) => d.body.event === 'lead.create').map((d) => leadOf(d).leadId));
    expect(leadIds.size).toBe(3);
    const all = await crm.waitForAccepted(4 + leadIds.size);
    const erased = all.filter((d) => d.body.event === 'contact.erased');
    expect(new Set(erased.map((d) => leadOf(d).leadId))).toEqual(leadIds);
    for (const d of erased) {
      expect(leadOf(d).contact).toEqual({ id: older, isNew: false, phones: [], emails: [], ids: [], ownerId: d.body.ownerId });
      expect(JSON.stringify(d.body)).not.toMatch(/olga|9160001122|916 000/i);
    }

    // Erasing again republishes the record; the keys are the same, so the CRM sees no new delivery.
    const again = await fetch(`http://127.0.0.1:${port}/v1/admin/contacts/erase`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ contactId: older }),
    });
    expect(again.status).toBe(200);
    const alreadyDelivered = async (): Promise<number> =>
      (await pipeline.metrics.deliveries.get()).values.filter((v) => v.labels.outcome === 'already_delivered').reduce((n, v) => n + v.value, 0);
    const deadline = Date.now() + 30_000;
    while ((await alreadyDelivered()) < leadIds.size) {
      if (Date.now() > deadline) throw new Error('the repeated erasure was never handled by the router');
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(crm.accepted.filter((d) => d.body.event === 'contact.erased')).toHaveLength(leadIds.size);
  });
});
