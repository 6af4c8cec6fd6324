import { randomUUID } from 'node:crypto';
import { Topics } from '../../contracts/topics.js';
import type { DeadLetter } from '../../contracts/delivery.js';
import type { RunningPipeline } from '../../bin/pipeline.js';
import { startCrmStub, type CrmStub } from '../../scripts/crm-stub.js';
import { createTestEnvironment, postForm, type Backend, type TestEnvironment } from '../support/pipeline-harness.js';

const owners = [{ id: 'anna' }, { id: 'boris' }, { id: 'vera' }];

function leadOf(delivery: { body: Record<string, unknown> }): { leadId: string; contact: { id: string; phones: string[]; emails: string[] } } {
  return delivery.body.lead as { leadId: string; contact: { id: string; phones: string[]; emails: string[] } };
}

describe.each<Backend>(['embedded', 'kafka'])('pipeline on %s', (backend) => {
  let crm: CrmStub;
  let env: TestEnvironment;
  let pipeline: RunningPipeline;
  let port: number;

  beforeEach(async () => {
    crm = await startCrmStub();
    env = await createTestEnvironment(backend, {
      normalizer: { mergeWindowMinutes: 60 },
      router: { owners, destination: { kind: 'webhook', url: crm.url }, retry: { attempts: 3, initialMs: 20, maxMs: 200 } },
      connectors: [{ id: 'site', kind: 'forms' }, { id: 'landing', kind: 'forms' }],
    });
    pipeline = await env.start();
    port = pipeline.port as number;
  });

  afterEach(async () => {
    await env.cleanup();
    await crm.close();
  });

  test('a Tilda form post reaches the CRM exactly once, normalized, with an owner', async () => {
    const tranid = `t-${randomUUID()}`;
    const res = await postForm(port, 'site', { Name: ' Anna  Petrova ', Phone: '8 (912) 345-67-89', Email: 'Anna@Example.COM', tranid, formid: 'form1', utm_source: 'yandex' });
    expect(res.status).toBe(202);
    const [delivery] = await crm.waitForAccepted(1);
    expect(delivery.body.event).toBe('lead.create');
    expect(owners.map((o) => o.id)).toContain(delivery.body.ownerId);
    const lead = leadOf(delivery);
    expect(lead.contact.phones).toEqual(['+79123456789']);
    expect(lead.contact.emails).toEqual(['anna@example.com']);
    expect(delivery.body.lead).toMatchObject({ channel: 'form', connectorId: 'site', contact: { name: 'Anna Petrova', isNew: true }, source: { form: 'form1', utm: { utm_source: 'yandex' } } });
    expect(delivery.idempotencyKey).toBe(`lead:${lead.leadId}`);
    await new Promise((r) => setTimeout(r, 500));
    expect(crm.requests).toHaveLength(1);
  });

  test('the same Tilda tranid posted twice becomes one lead', async () => {
    const body = { Name: 'Ivan', Phone: '+7 912 000 11 22', tranid: `t-${randomUUID()}` };
    expect((await postForm(port, 'site', body)).status).toBe(202);
    expect((await postForm(port, 'site', body)).status).toBe(202);
    await crm.waitForAccepted(1);
    await new Promise((r) => setTimeout(r, 1000));
    expect(crm.accepted).toHaveLength(1);
  });

  test('the same phone from two forms within the window is one lead with two activities', async () => {
    await postForm(port, 'site', { Name: 'Olga', Phone: '+79130001122', tranid: `t-${randomUUID()}` });
    await crm.waitForAccepted(1);
    await postForm(port, 'landing', { name: 'Olga', phone: '8 913 000-11-22', email: 'olga@example.com', comment: 'call me back' });
    const [first, second] = await crm.waitForAccepted(2);
    expect(first.body.event).toBe('lead.create');
    expect(second.body.event).toBe('lead.activity');
    expect(leadOf(second).leadId).toBe(leadOf(first).leadId);
    expect(leadOf(second).contact.id).toBe(leadOf(first).contact.id);
    expect(second.body.ownerId).toBe(first.body.ownerId);
    expect(second.idempotencyKey).not.toBe(first.idempotencyKey);
  });

  test('a CRM answering 503 then 201 gets the lead once', async () => {
    crm.behave((_d, attempt) => (attempt === 1 ? { status: 503, headers: { 'retry-after': '0' } } : { status: 201, body: { id: 'x' } }));
    await postForm(port, 'site', { Name: 'Petr', Phone: '+79130009988', tranid: `t-${randomUUID()}` });
    await crm.waitForAccepted(1);
    await new Promise((r) => setTimeout(r, 500));
    expect(crm.requests).toHaveLength(2);
    expect(crm.accepted).toHaveLength(1);
    expect(crm.requests[0].idempotencyKey).toBe(crm.requests[1].idempotencyKey);
  });

  test('a CRM answering 422 puts the delivery on the DLQ with the reason', async () => {
    crm.behave(() => ({ status: 422, body: { error: 'phone field is required by the CRM' } }));
    const letters: DeadLetter[] = [];
    const sub = await pipeline.bus.subscribe(Topics.dlq, `dlq-reader-${randomUUID()}`, async (r) => {
      letters.push(r.value as DeadLetter);
    });
    try {
      await postForm(port, 'site', { Name: 'Rejected', Email: 'rejected@example.com', tranid: `t-${randomUUID()}` });
      const deadline = Date.now() + 20_000;
      while (letters.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(letters).toHaveLength(1);
      expect(letters[0]).toMatchObject({ stage: 'router', code: 'DESTINATION_REJECTED', destinationId: 'crm', response: { status: 422, body: { error: 'phone field is required by the CRM' } } });
      expect(crm.requests).toHaveLength(1);
      expect(crm.accepted).toHaveLength(0);
    } finally {
      await sub.stop();
    }
  });
});
