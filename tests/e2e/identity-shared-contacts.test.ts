import type { RunningPipeline } from '../../bin/pipeline.js';
import { startCrmStub, type CrmStub } from '../../scripts/crm-stub.js';
import { createTestEnvironment, postForm, type Backend, type TestEnvironment } from '../support/pipeline-harness.js';

/**
 * `normalizer.sharedContacts` end to end on both back-ends: two colleagues calling from their firm's
 * switchboard stay two contacts, the number still reaches the CRM, and each colleague's own number still
 * joins their requests. Waits are until-condition.
 */
const token = 'shared-contacts-pbx-token-1';
const switchboard = '8 (495) 123-45-67';
type Delivered = { body: { lead: { leadId: string; contact: { id: string; phones: string[] } } } };
const contactOf = (d: Delivered): string => d.body.lead.contact.id;

describe.each<Backend>(['embedded', 'kafka'])('shared office numbers on %s', (backend) => {
  let crm: CrmStub;
  let env: TestEnvironment;
  let pipeline: RunningPipeline;

  beforeEach(async () => {
    crm = await startCrmStub();
    env = await createTestEnvironment(backend, {
      normalizer: { mergeWindowMinutes: 1440, sharedContacts: { phones: [switchboard], emails: ['office@firm.example'] } },
      router: { owners: [{ id: 'anna' }], destination: { kind: 'webhook', url: crm.url } },
      connectors: [{ id: 'site', kind: 'forms' }, { id: 'pbx', kind: 'call-webhook', secret: token, timeZone: 'UTC' }],
    });
    pipeline = await env.start();
  }, 180_000);

  afterEach(async () => {
    await env.cleanup();
    await crm.close();
  }, 120_000);

  const call = async (callId: string, caller: string): Promise<void> => {
    const res = await fetch(`http://127.0.0.1:${pipeline.port as number}/v1/hooks/pbx?token=${token}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ callId, direction: 'inbound', caller, outcome: 'answered', startedAt: new Date().toISOString(), durationSec: 30 }),
    });
    expect(res.status).toBeLessThan(300);
  };

  test('colleagues on one switchboard are two contacts; the number stays on each lead; own numbers still join', async () => {
    await call('sw-1', '+74951234567');
    await call('sw-2', '74951234567');
    // waitForAccepted hands back the stub's live list: copy the two calls before more arrive.
    const calls = ((await crm.waitForAccepted(2, 60_000)) as unknown as Delivered[]).slice(0, 2);
    expect(new Set(calls.map(contactOf)).size).toBe(2);
    for (const d of calls) expect(d.body.lead.contact.phones).toEqual(['+74951234567']);

    // A colleague's own number and the office e-mail: the own number is the identity, the office one is not.
    const port = pipeline.port as number;
    expect((await postForm(port, 'site', { name: 'Ольга', phone: '+7 912 555-66-77', email: 'office@firm.example' })).status).toBe(202);
    await crm.waitForAccepted(3, 60_000);
    expect((await postForm(port, 'site', { name: 'Ольга', phone: '8 912 555 66 77' })).status).toBe(202);
    const all = (await crm.waitForAccepted(4, 60_000)) as unknown as Delivered[];
    const [third, fourth] = all.slice(2);
    expect(contactOf(fourth)).toBe(contactOf(third));
    expect(calls.map(contactOf)).not.toContain(contactOf(third));
    const identities = await pipeline.store.query<{ kind: string; value: string }>('select kind, value from identities order by kind, value');
    expect(identities).toEqual([{ kind: 'phone', value: '+79125556677' }]);
  }, 150_000);
});
