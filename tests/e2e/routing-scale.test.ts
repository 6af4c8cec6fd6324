import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import type { RunningPipeline } from '../../bin/pipeline.js';
import { startCrmStub, type CrmStub } from '../../scripts/crm-stub.js';
import { createTestEnvironment, kafkaBrokers, postForm, type TestEnvironment } from '../support/pipeline-harness.js';
import { eventually, tally } from '../support/routing-fixtures.js';

const leads = 1000;
const owners = ['o1', 'o2', 'o3', 'o4'];

/** Sum of a counter's values across its label sets. */
async function assignedBy(pipeline: RunningPipeline): Promise<number> {
  return (await pipeline.metrics.leadsAssigned.get()).values.reduce((s, v) => s + v.value, 0);
}

describe('two router instances on Kafka + PostgreSQL', () => {
  let crm: CrmStub;
  let env: TestEnvironment;

  beforeAll(async () => {
    crm = await startCrmStub();
    env = await createTestEnvironment('kafka', {
      normalizer: { mergeWindowMinutes: 60 },
      router: {
        owners: owners.map((id) => ({ id })),
        rules: [{ id: 'everyone', pool: owners, strategy: 'round_robin' }],
        destination: { kind: 'webhook', url: crm.url },
      },
      connectors: [{ id: 'site', kind: 'forms' }],
    });
  });

  afterAll(async () => {
    await env.cleanup();
    await crm.close();
  });

  test(`${leads} leads round-robin to ${owners.length} owners: ${leads / owners.length} ± 1 each, none lost or doubled`, async () => {
    const ingress = await env.start(['gateway', 'normalizer']);
    const routers = [await env.start(['router']), await env.start(['router'])];

    // Both routers must hold partitions before the load, or one instance would simply do all the work.
    const namespace = (env.input.bus as { namespace: string }).namespace;
    const admin = new Kafka({ clientId: 'routing-scale-test', brokers: kafkaBrokers().split(','), logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      await eventually(async () => {
        const { groups } = await admin.describeGroups([`${namespace}.leadgate-router`]);
        return groups[0]?.state === 'Stable' && groups[0].members.length === 2 ? true : undefined;
      }, 'both routers in the consumer group', 60_000);
    } finally {
      await admin.disconnect();
    }

    const started = Date.now();
    for (let i = 0; i < leads; i += 50) {
      const answers = await Promise.all(
        Array.from({ length: Math.min(50, leads - i) }, (_, k) => postForm(ingress.port as number, 'site', { name: `Lead ${i + k}`, phone: `+7916${String(1_000_000 + i + k).slice(1)}`, tranid: randomUUID() })),
      );
      expect(answers.filter((a) => a.status !== 202).map((a) => a.status)).toEqual([]);
    }
    const delivered = await crm.waitForAccepted(leads, 240_000);
    const seconds = (Date.now() - started) / 1000;

    const creates = delivered.filter((d) => d.body.event === 'lead.create');
    expect(creates).toHaveLength(leads);
    expect(new Set(creates.map((d) => (d.body.lead as { leadId: string }).leadId)).size).toBe(leads);
    const counts = tally(creates.map((d) => String(d.body.ownerId)));
    expect(Object.keys(counts).sort()).toEqual(owners);
    for (const id of owners) {
      expect(counts[id]).toBeGreaterThanOrEqual(leads / owners.length - 1);
      expect(counts[id]).toBeLessThanOrEqual(leads / owners.length + 1);
    }
    // The store agrees with the CRM, and both instances took part.
    const rows = await ingress.store.query<{ owner_id: string; n: string }>('select owner_id, count(*)::text as n from leads group by owner_id order by owner_id');
    expect(Object.fromEntries(rows.map((r) => [r.owner_id, Number(r.n)]))).toEqual(counts);
    // The counter moves just after the delivery, so the last few may still be on their way.
    const perInstance = await eventually(async () => {
      const now = await Promise.all(routers.map(assignedBy));
      return now.reduce((a, b) => a + b, 0) >= leads ? now : undefined;
    }, 'every assignment counted');
    expect(perInstance.reduce((a, b) => a + b, 0)).toBe(leads);
    expect(Math.min(...perInstance)).toBeGreaterThan(0);
    process.stdout.write(`routing-scale: ${leads} leads in ${seconds.toFixed(1)} s, owners ${JSON.stringify(counts)}, per instance ${JSON.stringify(perInstance)}\n`);
  }, 360_000);
});
