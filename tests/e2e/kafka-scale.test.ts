import { randomUUID } from 'node:crypto';
import { startCrmStub, type CrmStub } from '../../scripts/crm-stub.js';
import { createTestEnvironment, postForm, type TestEnvironment } from '../support/pipeline-harness.js';

describe('two normalizer instances in one consumer group (Kafka + PostgreSQL)', () => {
  let crm: CrmStub;
  let env: TestEnvironment;

  beforeAll(async () => {
    crm = await startCrmStub();
    env = await createTestEnvironment('kafka', {
      normalizer: { mergeWindowMinutes: 60 },
      router: { owners: [{ id: 'a' }, { id: 'b' }], destination: { kind: 'webhook', url: crm.url } },
      connectors: [{ id: 'site', kind: 'forms' }, { id: 'landing', kind: 'forms' }],
    });
  });

  afterAll(async () => {
    await env.cleanup();
    await crm.close();
  });

  test('requests of the same people spread over both instances make no duplicate contact or lead', async () => {
    const first = await env.start();
    await env.start(['normalizer']);
    const people = 40;
    const spellings = (i: number): string[] => {
      const n = String(1000000 + i).slice(1);
      return [`+7 912 3${n}`, `8 (912) 3${n.slice(0, 3)}-${n.slice(3)}`, `79123${n}`, `912 3${n}`];
    };
    const requests: { connector: string; body: Record<string, string> }[] = [];
    for (let i = 0; i < people; i++) {
      spellings(i).forEach((phone, k) => {
        requests.push({ connector: k % 2 === 0 ? 'site' : 'landing', body: { name: `Person ${i}`, phone, tranid: randomUUID() } });
      });
    }
    requests.sort(() => Math.random() - 0.5);
    const answers = await Promise.all(requests.map((r) => postForm(first.port as number, r.connector, r.body)));
    const refused = await Promise.all(answers.filter((a) => a.status !== 202).map(async (a) => `${a.status} ${await a.text()}`));
    expect(refused).toEqual([]);

    const delivered = await crm.waitForAccepted(requests.length, 60_000);
    const leads = delivered.map((d) => d.body.lead as { leadId: string; contact: { id: string; phones: string[] } });
    const contactsByPhone = new Map<string, Set<string>>();
    for (const lead of leads) {
      const set = contactsByPhone.get(lead.contact.phones[0]) ?? new Set();
      set.add(lead.contact.id);
      contactsByPhone.set(lead.contact.phones[0], set);
    }
    expect(contactsByPhone.size).toBe(people);
    expect([...contactsByPhone.values()].every((ids) => ids.size === 1)).toBe(true);
    expect(new Set(leads.map((l) => l.leadId)).size).toBe(people);
    expect(delivered.filter((d) => d.body.event === 'lead.create')).toHaveLength(people);
    const [{ n }] = await first.store.query<{ n: string }>('select count(*)::text as n from contacts');
    expect(Number(n)).toBe(people);
  });
});
