import pino from 'pino';
import type { RunningPipeline } from '../../bin/pipeline.js';
import { readCsv } from '../../bin/import/import.reader.js';
import { runImport } from '../../bin/import/import.runner.js';
import { connectorPlugins } from '../../connectors/registry.js';
import type { ConnectorPlugin } from '../../connectors/connector.port.js';
import { createIngest } from '../../gateway/ingest.js';
import { createRawKeyBuilder } from '../../gateway/raw-key.js';
import { Normalizer } from '../../normalizer/normalizer.service.js';
import { Metrics } from '../../platform/telemetry/metrics.js';
import { startCrmStub, type CrmStub } from '../../scripts/crm-stub.js';
import { createTestEnvironment, postForm, type Backend, type TestEnvironment } from '../support/pipeline-harness.js';

/**
 * Spam, content-hash repeats and imports end to end: real gateway, normalizer and router on both back-ends,
 * deliveries counted at a CRM stub. No timing assertions: waits are until-condition.
 */
const logger = pino({ level: 'silent' });
const owners = [{ id: 'anna' }];
const token = 'identity-time-pbx-token-01';
const lead = (d: { body: Record<string, unknown> }): { leadId: string; spam: boolean; contact: { id: string; phones: string[]; isNew: boolean } } => d.body.lead as never;

describe.each<Backend>(['embedded', 'kafka'])('identity and time end to end on %s', (backend) => {
  let crm: CrmStub;
  let env: TestEnvironment;
  let pipeline: RunningPipeline;

  beforeEach(async () => {
    crm = await startCrmStub();
    env = await createTestEnvironment(backend, {
      normalizer: { mergeWindowMinutes: 1440, contentDedupe: { retryWindowMinutes: 10 } },
      router: { owners, destination: { kind: 'webhook', url: crm.url }, retry: { attempts: 3, initialMs: 20, maxMs: 200 } },
      connectors: [{ id: 'site', kind: 'forms' }, { id: 'pbx', kind: 'call-webhook', secret: token, timeZone: 'UTC' }],
    });
    pipeline = await env.start();
  }, 180_000);

  afterEach(async () => {
    await env.cleanup();
    await crm.close();
  }, 120_000);

  test('a honeypot form with a real number claims nothing: the call from that number is a new lead, delivered', async () => {
    const port = pipeline.port as number;
    expect((await postForm(port, 'site', { name: 'bot', phone: '+7 912 444-55-66', lg_hp: 'http://spam.example' })).status).toBe(202);
    const res = await fetch(`http://127.0.0.1:${port}/v1/hooks/pbx?token=${token}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ callId: 'spam-then-call-1', direction: 'inbound', caller: '+79124445566', outcome: 'answered', startedAt: new Date().toISOString(), durationSec: 30 }),
    });
    expect(res.status).toBeLessThan(300);
    const [delivery] = await crm.waitForAccepted(1, 60_000);
    expect(delivery.body.event).toBe('lead.create');
    expect(lead(delivery)).toMatchObject({ spam: false, contact: { phones: ['+79124445566'], isNew: true } });
    const [{ n }] = await pipeline.store.query<{ n: string }>("select count(*)::text as n from raw_events where outcome = 'spam'");
    expect(n).toBe('1');
    const identities = await pipeline.store.query<{ contact_id: string }>("select contact_id from identities where value = '+79124445566'");
    expect(identities).toEqual([{ contact_id: lead(delivery).contact.id }]);
  }, 120_000);

  test('an id-less form repeated within the retry window is one lead; the same body three days later reaches the CRM again', async () => {
    let clock = Date.parse('2026-06-01T10:09:59Z');
    const plugin = connectorPlugins.get('forms') as ConnectorPlugin;
    const ingest = createIngest({
      plugin, config: { id: 'site', kind: 'forms' }, bus: pipeline.bus, metrics: new Metrics({ defaultMetrics: false }), logger,
      rawKey: createRawKeyBuilder({ store: pipeline.store, retryWindowMinutes: 10 }), now: () => clock,
    });
    const body = { payload: { name: 'Olga', phone: '+7 913 222-33-44', comment: 'please call' }, meta: {} };
    await ingest(body);
    clock += 2000; // a retry two seconds later, across a ten-minute boundary
    await ingest(body);
    await crm.waitForAccepted(1, 60_000);
    clock += 3 * 86_400_000;
    await ingest(body);
    const [first, second] = await crm.waitForAccepted(2, 60_000);
    expect(first.body.event).toBe('lead.create');
    expect(second.body.event).toBe('lead.create');
    expect(lead(second).leadId).not.toBe(lead(first).leadId);
    expect(lead(second).contact.id).toBe(lead(first).contact.id);
    const [{ n }] = await pipeline.store.query<{ n: string }>("select count(*)::text as n from raw_events where connector_id = 'site'");
    expect(n).toBe('2');
  }, 120_000);

  test('an imported file is delivered once; importing it again delivers nothing new', async () => {
    const normalizer = new Normalizer({ bus: pipeline.bus, store: pipeline.store, plugins: connectorPlugins, metrics: new Metrics({ defaultMetrics: false }), logger, defaultRegion: 'RU', mergeWindowMinutes: 1440 });
    const file = readCsv('phone,email,name,date\n+79135550001,,A,2025-01-10 10:00\n,a@example.com,A,2025-01-09 10:00\n+79135550001,a@example.com,A,2025-01-10 11:00\n+79135550002,,B,2025-01-11 10:00\n');
    const first = await runImport(normalizer, pipeline.store, file, { defaultChannel: 'form', utcOffset: 'Z' });
    expect(first).toMatchObject({ imported: 4, leads: 3, activities: 1, merges: 1, rejected: 0 });
    const delivered = await crm.waitForAccepted(4 + 1, 60_000); // four requests and one contact.merged
    const again = await runImport(normalizer, pipeline.store, file, { defaultChannel: 'form', utcOffset: 'Z' });
    expect(again).toMatchObject({ imported: 0, alreadyImported: 4 });
    // The re-published records reach the router, whose ledger answers them: wait for that, then compare.
    await waitFor(async () => (await pipeline.metrics.deliveries.get()).values.filter((v) => v.labels.outcome === 'already_delivered').reduce((s, v) => s + v.value, 0) >= 4);
    expect(crm.accepted).toHaveLength(delivered.length);
  }, 120_000);
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 200));
  }
}
