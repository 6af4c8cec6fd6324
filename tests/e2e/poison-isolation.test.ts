import { randomUUID } from 'node:crypto';
import { buildConfig } from '../../config/config.loader.js';
import type { DeadLetter } from '../../contracts/delivery.js';
import type { LeadV1 } from '../../contracts/lead.js';
import { Topics } from '../../contracts/topics.js';
import { runDlq } from '../../bin/commands/dlq.command.js';
import type { RunningPipeline } from '../../bin/pipeline.js';
import { startCrmStub, type CrmStub, type ReceivedDelivery } from '../../scripts/crm-stub.js';
import { waitUntil } from '../support/bus-contract.js';
import { createTestEnvironment, postForm, type Backend, type TestEnvironment } from '../support/pipeline-harness.js';

const adminToken = 'admin-token-0123456789';
const poisonName = 'Poison Marker';

/**
 * The store refuses a value the way PostgreSQL refused the cut surrogate pair (22P02), injected with a
 * trigger so the test does not depend on what the normalizer's text cleaning lets through: every attempt
 * to record the Lead v1 of a contact named `Poison Marker` fails, until the test "fixes" it by dropping it.
 */
const refuseSql = `
create or replace function test_refuse_poison() returns trigger language plpgsql as $$
begin
  if new.output is not null and new.output::text like '%${poisonName}%' then
    raise exception 'invalid input syntax for type json (injected)' using errcode = '22P02';
  end if;
  return new;
end $$;
create trigger test_refuse_poison before update on raw_events for each row execute function test_refuse_poison();`;
const fixSql = 'drop trigger test_refuse_poison on raw_events';

function leadOf(d: ReceivedDelivery): LeadV1 {
  return d.body.lead as LeadV1;
}

interface Item { id: number; stage: string; code: string; key: string; reason: string; record: unknown }

describe.each<Backend>(['embedded', 'kafka'])('poison isolation on %s', (backend) => {
  let crm: CrmStub;
  let env: TestEnvironment;
  let pipeline: RunningPipeline;
  let letters: DeadLetter[];
  const base = (): string => `http://127.0.0.1:${String(pipeline.port)}/v1/admin/dlq`;
  const auth = { authorization: `Bearer ${adminToken}` };

  const indexed = async (): Promise<Item[]> => ((await (await fetch(`${base()}?all=1`, { headers: auth })).json()) as { items: Item[] }).items;
  const namedAccepted = (name: string): ReceivedDelivery[] => crm.accepted.filter((d) => leadOf(d).contact.name === name);

  beforeEach(async () => {
    crm = await startCrmStub();
    env = await createTestEnvironment(backend, {
      admin: { token: adminToken },
      bus: { poison: { attempts: 4, sameFailureLimit: 2, initialMs: 20, maxMs: 200 } },
      router: { owners: [{ id: 'anna' }], destination: { kind: 'webhook', url: crm.url }, retry: { attempts: 3, initialMs: 20, maxMs: 200 } },
      connectors: [{ id: 'site', kind: 'forms' }],
    });
    pipeline = await env.start();
    letters = [];
    await pipeline.bus.subscribe(Topics.dlq, `dlq-reader-${randomUUID()}`, async (r) => {
      letters.push(r.value as DeadLetter);
    });
  });

  afterEach(async () => {
    await env.cleanup();
    await crm.close();
  });

  test('a raw event the store refuses is dead-lettered with its reason and position; later leads flow; a replay after the fix delivers it once', async () => {
    await pipeline.store.query(refuseSql);
    const port = pipeline.port as number;
    expect((await postForm(port, 'site', { Name: poisonName, Phone: '+79137770000', tranid: `t-${randomUUID()}` })).status).toBe(202);
    // Behind it: on the embedded log the same partition, on Kafka every partition (keys spread over 4).
    const later = Array.from({ length: 8 }, (_, i) => `+7913777${String(1000 + i)}`);
    for (const phone of later) expect((await postForm(port, 'site', { Name: 'After', Phone: phone, tranid: `t-${randomUUID()}` })).status).toBe(202);

    await crm.waitForAccepted(later.length, 60_000);
    expect(new Set(crm.accepted.map((d) => leadOf(d).contact.phones[0]))).toEqual(new Set(later));
    await waitUntil(() => letters.some((l) => l.stage === 'normalizer'), 'the dead letter');
    const letter = letters.find((l) => l.stage === 'normalizer') as DeadLetter;
    expect(letter).toMatchObject({ stage: 'normalizer', code: 'STORE_REJECTED', sourceTopic: Topics.raw, attempts: 1, failure: 'permanent' });
    expect(letter.reason).toMatch(/^22P02/);
    expect(typeof letter.sourcePartition).toBe('number');
    expect(letter.sourceOffset).toMatch(/^\d+$/);
    const metric = await pipeline.metrics.registry.getSingleMetricAsString('leadgate_normalizer_records_total');
    expect(metric).toMatch(/outcome="dead_lettered"} 1/);

    // The fix, then the replay: the admin API on one back-end, the CLI on the other (PGlite allows one process).
    await pipeline.store.query(fixSql);
    let item: Item | undefined;
    await waitUntil(async () => (item = (await indexed()).find((i) => i.stage === 'normalizer')) !== undefined, 'the indexed letter');
    const replay = async (): Promise<void> => {
      if (backend === 'kafka') {
        expect(await runDlq('replay', { id: String(item?.id) }, buildConfig(env.input, {}))).toBe(0);
      } else {
        const res = await fetch(`${base()}/replay`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ id: item?.id }) });
        expect(res.status).toBe(200);
      }
    };
    await replay();
    await waitUntil(() => namedAccepted(poisonName).length === 1, 'the replayed lead at the CRM', 60_000);
    // A second replay of the same letter creates nothing: the event is recorded, the ledger has the delivery.
    await replay();
    const lastLater = crm.requests.length;
    expect((await postForm(port, 'site', { Name: 'Sentinel', Phone: '+79137779999', tranid: `t-${randomUUID()}` })).status).toBe(202);
    await waitUntil(() => namedAccepted('Sentinel').length === 1, 'a lead sent after the second replay');
    expect(crm.requests.length).toBeGreaterThan(lastLater);
    expect(crm.requests.filter((d) => leadOf(d).contact.name === poisonName)).toHaveLength(1);
    expect(namedAccepted(poisonName)).toHaveLength(1);
  }, 120_000);

  test('a lead record the router store refuses does not hold back later leads of the same contact', async () => {
    const port = pipeline.port as number;
    expect((await postForm(port, 'site', { Name: 'Same Key', Phone: '+79138880000', tranid: `t-${randomUUID()}` })).status).toBe(202);
    const [first] = await crm.waitForAccepted(1, 60_000);
    const lead = leadOf(first);
    // On the key of a real contact, a lead whose delivery row the store refuses (class 23, as a broken
    // integrity rule would), injected with a trigger like the normalizer's case.
    await pipeline.store.query(`
      create or replace function test_refuse_delivery() returns trigger language plpgsql as $$
      begin
        if new.lead_id like 'poison-%' then raise exception 'injected integrity refusal' using errcode = '23514'; end if;
        return new;
      end $$;
      create trigger test_refuse_delivery before insert on deliveries for each row execute function test_refuse_delivery();`);
    const poison: LeadV1 = { ...lead, leadId: `poison-${randomUUID()}`, activityId: randomUUID() };
    await pipeline.bus.publish(Topics.normalized, lead.contact.id, poison, { type: poison.type });
    expect((await postForm(port, 'site', { Name: 'Same Key', Phone: '+79138880000', comment: 'second request' })).status).toBe(202);
    await waitUntil(() => crm.accepted.length === 2, 'the second request of the same contact at the CRM', 60_000);
    expect(leadOf(crm.accepted[1]).contact.id).toBe(lead.contact.id);
    await waitUntil(() => letters.some((l) => l.stage === 'router'), 'the router dead letter');
    expect(letters.find((l) => l.stage === 'router')).toMatchObject({ code: 'STORE_REJECTED', sourceTopic: Topics.normalized, key: lead.contact.id, failure: 'permanent' });
    const metric = await pipeline.metrics.registry.getSingleMetricAsString('leadgate_bus_poison_records_total');
    expect(metric).toMatch(/stage="router",topic="leads.normalized.v1",failure="permanent",action="dead_lettered"} 1/);
  }, 120_000);
});
