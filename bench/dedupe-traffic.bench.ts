import { startCrmStub } from '../scripts/crm-stub.js';
import { createTestEnvironment, postForm, type Backend } from '../tests/support/pipeline-harness.js';
import { expectedLeads, generateTraffic, type TrafficKind, type TrafficRequest } from './dedupe-traffic.generator.js';

/**
 * Dedupe quality on realistic traffic (bench/dedupe-traffic.generator.ts), replayed through the real
 * webhooks (forms, generic call webhook) of a full pipeline with event times, delivered to a CRM stub.
 * Reports, per kind and overall: false-merge pairs (two people on one contact), missed-duplicate pairs (one
 * person on two contacts; the phone-spelling ones apart), contacts and leads against what a human expects.
 *   npm run bench:dedupe        TRAFFIC_PEOPLE (default 400), TRAFFIC_BACKEND (embedded | kafka)
 */
const people = Number(process.env.TRAFFIC_PEOPLE ?? 400);
const backend = (process.env.TRAFFIC_BACKEND ?? 'embedded') as Backend;
const token = 'dedupe-traffic-pbx-token';
const windowMinutes = 1440;

// Six weeks of history ending a week ago: inside the event-time allowance below, so provider times count.
const traffic = generateTraffic(people, Date.now() - 50 * 86_400_000);
const crm = await startCrmStub();
const env = await createTestEnvironment(backend, {
  normalizer: { mergeWindowMinutes: windowMinutes, eventTime: { maxPastDays: 90 } },
  router: { owners: [{ id: 'a' }], destination: { kind: 'webhook', url: crm.url } },
  connectors: [{ id: 'site', kind: 'forms' }, { id: 'pbx', kind: 'call-webhook', secret: token, timeZone: 'UTC' }],
});
try {
  const pipeline = await env.start();
  const port = pipeline.port as number;
  const started = performance.now();
  for (const r of traffic) {
    const res = r.channel === 'form'
      ? await postForm(port, 'site', Object.fromEntries(Object.entries(r.body).map(([k, v]) => [k, String(v)])))
      : await fetch(`http://127.0.0.1:${port}/v1/hooks/pbx?token=${token}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(r.body) });
    if (res.status >= 300) throw new Error(`${r.ref}: HTTP ${res.status} ${await res.text()}`);
  }
  // Every request that is neither spam nor a retry is delivered once (a lead, an activity); merges add one each.
  const real = traffic.filter((r) => !r.spam && !r.retryOf);
  const deadline = Date.now() + 20 * 60_000;
  for (;;) {
    const [{ n }] = await pipeline.store.query<{ n: string }>("select count(*)::text as n from raw_events where outcome in ('lead', 'spam')");
    if (Number(n) >= traffic.filter((r) => !r.retryOf).length) break;
    if (Date.now() > deadline) throw new Error(`only ${n} requests processed`);
    await new Promise((res) => setTimeout(res, 500));
  }
  const seconds = (performance.now() - started) / 1000;
  const rows = await pipeline.store.query<{ output: { fields: Record<string, string>; call?: { callId: string } }; contact_id: string; lead_id: string }>(
    "select r.output, l.contact_id, l.id as lead_id from raw_events r join lead_activities a on a.event_key = r.event_key join leads l on l.id = a.lead_id where r.outcome = 'lead'",
  );
  const byRef = new Map(traffic.map((r) => [r.ref, r]));
  const placed = rows.map((row) => ({ req: byRef.get(row.output.fields.ref ?? row.output.call?.callId.split(':').pop() ?? '') as TrafficRequest, contact: row.contact_id, lead: row.lead_id }));
  const unknown = placed.filter((p) => !p.req).length;
  const [{ spamContacts }] = await pipeline.store.query<{ spamContacts: string }>("select count(*)::text as \"spamContacts\" from raw_events where outcome = 'spam'");
  const kinds = [...new Set(traffic.map((t) => t.kind)), 'all'] as (TrafficKind | 'all')[];
  const table = kinds.map((kind) => {
    const of = placed.filter((p) => p.req && (kind === 'all' || p.req.kind === kind));
    let falseMerges = 0;
    let missed = 0;
    let missedSpelling = 0;
    for (let i = 0; i < of.length; i++) {
      for (let j = i + 1; j < of.length; j++) {
        const [a, b] = [of[i], of[j]];
        if (a.req.person !== b.req.person && a.contact === b.contact) falseMerges++;
        if (a.req.person === b.req.person && a.contact !== b.contact) {
          missed++;
          if (a.req.phoneSpelling || b.req.phoneSpelling) missedSpelling++;
        }
      }
    }
    const expect = real.filter((r) => kind === 'all' || r.kind === kind);
    return {
      kind,
      requests: traffic.filter((r) => kind === 'all' || r.kind === kind).length,
      'false-merge pairs': falseMerges,
      'missed pairs': missed,
      'of which phone spelling': missedSpelling,
      contacts: new Set(of.map((p) => p.contact)).size,
      'contacts expected': new Set(expect.map((r) => r.person)).size,
      leads: new Set(of.map((p) => p.lead)).size,
      'leads expected': expectedLeads(expect, windowMinutes * 60_000),
    };
  });
  await crm.waitForAccepted(real.length, 10 * 60_000);
  process.stdout.write(`\nDedupe on realistic traffic (${backend}): ${traffic.length} requests from ${people} people through the webhooks, ${seconds.toFixed(0)} s; `
    + `${spamContacts} spam requests recorded; ${unknown} placed requests not in the corpus; ${crm.accepted.length} CRM deliveries\n`);
  console.table(table);
} finally {
  await env.cleanup();
  await crm.close();
}
