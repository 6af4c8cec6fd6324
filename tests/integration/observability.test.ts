import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import kafkajs from 'kafkajs';
import pino from 'pino';
import { parse } from 'yaml';
import type { RunningPipeline } from '../../bin/pipeline.js';
import { kafkaLagReader } from '../../platform/telemetry/consumer-lag.js';
import { createLogger } from '../../platform/telemetry/logger.js';
import { startCrmStub, type CrmStub } from '../../scripts/crm-stub.js';
import { createTestEnvironment, kafkaBrokers, postForm, type TestEnvironment } from '../support/pipeline-harness.js';
import { eventually } from '../support/routing-fixtures.js';

/** Every metric name a PromQL expression refers to (ours and the Node/process defaults). */
function metricNames(expr: string): string[] {
  return [...expr.matchAll(/\b((?:leadgate|nodejs|process)_[a-z0-9_]+)\b/g)].map((m) => m[1] as string);
}

function dashboardExprs(): string[] {
  const dashboard = JSON.parse(readFileSync(new URL('../../deploy/grafana/leadgate-dashboard.json', import.meta.url), 'utf8')) as { panels: { title: string; targets: { expr: string }[] }[] };
  return dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr));
}

function alertRules(): { alert: string; expr: string; for?: string; labels?: Record<string, string>; annotations?: Record<string, string> }[] {
  const doc = parse(readFileSync(new URL('../../deploy/prometheus/leadgate-alerts.yaml', import.meta.url), 'utf8')) as { groups: { name: string; rules: { alert: string; expr: string }[] }[] };
  return doc.groups.flatMap((g) => g.rules);
}

/** Names declared in a `/metrics` answer (`# TYPE` lines): a labelled counter exists before its first sample. */
function declared(text: string): Set<string> {
  return new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1] as string));
}

const histogramSuffix = /_(bucket|sum|count)$/;
const sample = (text: string, name: string, labels: Record<string, string> = {}): number | undefined => {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
};

describe('observability: metrics, dashboard and alerts', () => {
  let crm: CrmStub;
  let env: TestEnvironment;
  let pipeline: RunningPipeline;
  const lines: string[] = [];
  const rejectedMarker = 'please reject me';

  beforeAll(async () => {
    crm = await startCrmStub();
    crm.behave((delivery) => (JSON.stringify(delivery.body).includes(rejectedMarker) ? { status: 422, body: { error: 'unknown pipeline' } } : { status: 201, body: { id: randomUUID() } }));
    env = await createTestEnvironment(
      'embedded',
      { router: { owners: [{ id: 'anna' }], destination: { kind: 'webhook', url: crm.url }, retry: { attempts: 2, initialMs: 10, maxMs: 50 } }, connectors: [{ id: 'site', kind: 'forms' }] },
      { logger: createLogger('info', { write: (line: string) => void lines.push(line) }) },
    );
    pipeline = await env.start();
  }, 120_000);

  afterAll(async () => {
    await env.cleanup();
    await crm.close();
  }, 60_000);

  const scrape = async (): Promise<string> => (await fetch(`http://127.0.0.1:${pipeline.port as number}/metrics`)).text();

  test('the alert rules are well-formed and cover the operational signals', () => {
    const rules = alertRules();
    for (const r of rules) {
      expect(r.alert).toMatch(/^Leadgate[A-Za-z]+$/);
      expect(typeof r.expr).toBe('string');
      expect(r.annotations?.summary).toBeTruthy();
    }
    const used = new Set(rules.flatMap((r) => metricNames(r.expr)));
    for (const name of ['leadgate_consumer_lag_records', 'leadgate_dlq_depth', 'leadgate_router_delivery_results_total', 'leadgate_router_sla_breaches_total', 'leadgate_gateway_events_total', 'leadgate_gateway_spool_records', 'leadgate_gateway_spool_capacity_records']) {
      expect(used).toContain(name);
    }
  });

  test('a lead delivered and one dead-lettered: every metric the dashboard and the alerts use exists in a live /metrics', async () => {
    expect((await postForm(pipeline.port as number, 'site', { name: 'Anna', phone: '+79123450001' })).status).toBe(202);
    expect((await postForm(pipeline.port as number, 'site', { name: 'Boris', phone: '+79123450002', message: rejectedMarker })).status).toBe(202);
    await crm.waitForAccepted(1, 60_000);
    // DLQ depth is read from the store on scrape: it shows the rejected lead once the DLQ index has it.
    const text = await eventually(async () => {
      const t = await scrape();
      return (sample(t, 'leadgate_dlq_depth', { stage: 'router', destination: 'crm' }) ?? 0) >= 1 ? t : undefined;
    }, 'the dead letter in leadgate_dlq_depth', 60_000);

    const names = declared(text);
    const referenced = new Set([...dashboardExprs(), ...alertRules().map((r) => r.expr)].flatMap(metricNames));
    const missing = [...referenced].filter((n) => !names.has(n) && !names.has(n.replace(histogramSuffix, '')));
    expect(missing).toEqual([]);

    expect(sample(text, 'leadgate_build_info', { version: JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version as string })).toBe(1);
    expect(sample(text, 'leadgate_router_delivery_results_total', { destination: 'crm', outcome: 'delivered', code: '201' })).toBe(1);
    expect(sample(text, 'leadgate_router_delivery_results_total', { destination: 'crm', outcome: 'dead_lettered', code: '422' })).toBe(1);
    // The embedded log's consumer groups report their lag per topic (partition 0).
    expect(text).toMatch(/^leadgate_consumer_lag_records\{group="leadgate-normalizer",topic="leads\.raw\.v1",partition="0"\} \d+$/m);

    const dead = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'delivery dead-lettered');
    expect(dead).toEqual([expect.objectContaining({ destination: 'crm', code: 'DESTINATION_REJECTED', status: 422 })]);
    expect(JSON.stringify(dead)).not.toContain('79123450002');
  });

  test('metrics on their own port and behind a token; the gateway port stops serving them', async () => {
    const token = 'metrics-token-0123456789';
    const separate = await env.start(['router'], { server: { port: 0 }, metrics: { port: 0, host: '127.0.0.1', token } });
    const url = `http://127.0.0.1:${separate.metricsPort as number}/metrics`;
    expect((await fetch(`http://127.0.0.1:${separate.port as number}/metrics`)).status).toBe(404);
    expect((await fetch(url)).status).toBe(401);
    expect((await fetch(url, { headers: { authorization: `Bearer ${token}x` } })).status).toBe(401);
    const ok = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('leadgate_build_info');
  }, 120_000);
});

describe('consumer lag from Kafka', () => {
  test('committed offsets against high watermarks, per partition, only for this namespace', async () => {
    const namespace = `lag${randomUUID().slice(0, 8)}`;
    const topic = `${namespace}.leads.raw.v1`;
    const group = `${namespace}.leadgate-normalizer`;
    const kafka = new kafkajs.Kafka({ brokers: kafkaBrokers().split(','), clientId: 'lag-test', logLevel: kafkajs.logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    const producer = kafka.producer();
    await producer.connect();
    const reader = kafkaLagReader({ brokers: kafkaBrokers().split(','), clientId: 'lag-test', namespace, logger: pino({ level: 'silent' }), timeoutMs: 10_000 });
    try {
      await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true });
      await producer.send({ topic, acks: -1, messages: [0, 0, 0, 0, 0, 1, 1].map((partition, i) => ({ partition, value: String(i) })) });
      await admin.setOffsets({ groupId: group, topic, partitions: [{ partition: 0, offset: '2' }, { partition: 1, offset: '2' }] });
      const samples = await reader();
      expect(samples.sort((a, b) => a.partition - b.partition)).toEqual([
        { group, topic, partition: 0, lag: 3 },
        { group, topic, partition: 1, lag: 0 },
      ]);
    } finally {
      await reader.close();
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await admin.deleteGroups([group]).catch(() => undefined);
      await producer.disconnect();
      await admin.disconnect();
    }
  }, 120_000);
});
