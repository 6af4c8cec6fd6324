import type { ImapFlow } from 'imapflow';
import { startCrmStub } from '../scripts/crm-stub.js';
import { DovecotServer } from '../tests/support/dovecot.js';
import { createTestEnvironment, postForm, type Backend } from '../tests/support/pipeline-harness.js';
import { expectedGroups, expectedLeads, generateTraffic, trafficSetup, type TrafficKind, type TrafficRequest } from './dedupe-traffic.generator.js';
import { leadsInArrivalOrder } from './dedupe-traffic.arrival-model.js';
import { toMime } from './dedupe-traffic.mail.js';

/**
 * Dedupe quality on realistic traffic (bench/dedupe-traffic.generator.ts), replayed in event-time order
 * through the real webhooks (forms, generic call webhook) and a real IMAP mailbox (a private Dovecot: each
 * letter APPENDed with its Date header, fetched by the e-mail connector) of a full pipeline, delivered to a
 * CRM stub. Reports, per kind and overall: false-merge pairs (two people on one contact), missed-duplicate
 * pairs (one person on two contacts), split into pairs the rules can join (a chain of shared identities:
 * must be 0) and pairs they cannot (a shared office number only), contacts and leads against the oracle
 * (event-time order), and leads the window rule gives for the order the requests were actually normalized in.
 *   npm run bench:dedupe        TRAFFIC_PEOPLE (default 240), TRAFFIC_BACKENDS (embedded,kafka)
 * TRAFFIC_OPERATOR_SETUP=off leaves out what an operator configures (the firms' shared office numbers and
 * addresses, the site notifier's form rule), to show what those traps cost; the oracle stays the same.
 */
const people = Number(process.env.TRAFFIC_PEOPLE ?? 240);
const backends = (process.env.TRAFFIC_BACKENDS ?? 'embedded,kafka').split(',') as Backend[];
const token = 'dedupe-traffic-pbx-token';
const windowMinutes = 1440;
const mailbox = { user: 'sales', password: 'bench-mail-password' };
const operatorSetup = process.env.TRAFFIC_OPERATOR_SETUP !== 'off';

type Row = Record<string, string | number>;

/** Which request a stored Lead v1 came from: the form's `ref`, the call id, or the letter's Message-ID. */
function refOf(output: { fields: Record<string, string>; call?: { callId: string }; provider?: { messageId?: string } }): string {
  return output.fields.ref ?? output.call?.callId.split(':').pop() ?? /^<?(r\d+)\./.exec(output.provider?.messageId ?? '')?.[1] ?? '';
}

async function replay(port: number, imap: ImapFlow, traffic: TrafficRequest[]): Promise<void> {
  for (const r of traffic) {
    if (r.channel === 'email' && r.mail) {
      await imap.append('INBOX', toMime(r.mail, r.at), [], new Date(r.at));
      continue;
    }
    const res = r.channel === 'form'
      ? await postForm(port, 'site', Object.fromEntries(Object.entries(r.body).map(([k, v]) => [k, String(v)])))
      : await fetch(`http://127.0.0.1:${port}/v1/hooks/pbx?token=${token}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(r.body) });
    if (res.status >= 300) throw new Error(`${r.ref}: HTTP ${res.status} ${await res.text()}`);
  }
}

async function run(backend: Backend): Promise<{ summary: string; table: Row[] }> {
  // Six weeks of history ending a week ago: inside the event-time allowance below, so provider times count.
  const traffic = generateTraffic(people, Date.now() - 50 * 86_400_000);
  const setup = operatorSetup ? trafficSetup(people) : { ...trafficSetup(people), sharedPhones: [], sharedEmails: [] };
  const groups = expectedGroups(traffic);
  const dovecot = await DovecotServer.start();
  const crm = await startCrmStub();
  const env = await createTestEnvironment(backend, {
    normalizer: { mergeWindowMinutes: windowMinutes, eventTime: { maxPastDays: 90 }, sharedContacts: { phones: setup.sharedPhones, emails: setup.sharedEmails } },
    router: { owners: [{ id: 'a' }], destination: { kind: 'webhook', url: crm.url } },
    connectors: [
      { id: 'site', kind: 'forms' },
      { id: 'pbx', kind: 'call-webhook', secret: token, timeZone: 'UTC' },
      {
        id: 'mail', kind: 'email', host: dovecot.host, port: dovecot.port, secure: false, ...mailbox, pollIntervalMs: 1000,
        formRules: operatorSetup ? [{ name: 'site-request', from: `^${setup.notifier.replace(/\./g, '\\.')}$` }] : [],
      },
    ],
  });
  try {
    await dovecot.addUser(mailbox.user, mailbox.password);
    const pipeline = await env.start();
    const imap = await dovecot.connect(mailbox.user, mailbox.password);
    const started = performance.now();
    try {
      await replay(pipeline.port as number, imap, traffic);
    } finally {
      await imap.logout().catch(() => imap.close());
    }
    const distinct = traffic.filter((r) => !r.retryOf).length;
    const deadline = Date.now() + 20 * 60_000;
    for (;;) {
      const [{ n }] = await pipeline.store.query<{ n: string }>('select count(*)::text as n from raw_events where outcome is not null');
      if (Number(n) >= distinct) break;
      if (Date.now() > deadline) throw new Error(`only ${n} of ${distinct} requests processed`);
      await new Promise((res) => setTimeout(res, 500));
    }
    const seconds = (performance.now() - started) / 1000;
    const rows = await pipeline.store.query<{ output: Parameters<typeof refOf>[0]; contact_id: string; lead_id: string; processed: string }>(
      "select r.output, l.contact_id, l.id as lead_id, extract(epoch from r.processed_at)::text as processed from raw_events r join lead_activities a on a.event_key = r.event_key join leads l on l.id = a.lead_id where r.outcome = 'lead'",
    );
    const outcomes = await pipeline.store.query<{ outcome: string; n: string }>('select outcome, count(*)::text as n from raw_events group by outcome order by outcome');
    const byRef = new Map(traffic.map((r) => [r.ref, r]));
    const placed = rows.map((row) => ({ req: byRef.get(refOf(row.output)) as TrafficRequest, contact: row.contact_id, lead: row.lead_id, processed: Number(row.processed) }));
    const unknown = placed.filter((p) => !p.req).length;
    const real = traffic.filter((r) => !r.spam && !r.retryOf);
    // The window rule decides lead vs activity in arrival order; a group whose requests were processed in
    // another order than their event times may legitimately end with other lead boundaries than the oracle's.
    const byGroup = new Map<string, typeof placed>();
    for (const p of placed) if (p.req) byGroup.set(groups.get(p.req.ref) as string, [...(byGroup.get(groups.get(p.req.ref) as string) ?? []), p]);
    const outOfOrder = new Set([...byGroup].filter(([, ps]) => ps.sort((a, b) => a.processed - b.processed).some((p, i) => i > 0 && p.req.at < ps[i - 1].req.at)).map(([g]) => g));
    const kinds = [...new Set(traffic.map((t) => t.kind)), 'all'] as (TrafficKind | 'all')[];
    const table = kinds.map((kind) => {
      const of = placed.filter((p) => p.req && (kind === 'all' || p.req.kind === kind));
      let falseMerges = 0;
      let missedJoinable = 0;
      let missedNotJoinable = 0;
      for (let i = 0; i < of.length; i++) {
        for (let j = i + 1; j < of.length; j++) {
          const [a, b] = [of[i], of[j]];
          if (a.req.person !== b.req.person && a.contact === b.contact) falseMerges++;
          if (a.req.person === b.req.person && a.contact !== b.contact) {
            if (groups.get(a.req.ref) === groups.get(b.req.ref)) missedJoinable++;
            else missedNotJoinable++;
          }
        }
      }
      const expect = real.filter((r) => kind === 'all' || r.kind === kind);
      return {
        kind,
        requests: traffic.filter((r) => kind === 'all' || r.kind === kind).length,
        'false-merge': falseMerges,
        'missed joinable': missedJoinable,
        'missed not joinable': missedNotJoinable,
        contacts: new Set(of.map((p) => p.contact)).size,
        'contacts exp.': new Set(expect.map((r) => groups.get(r.ref))).size,
        people: new Set(expect.map((r) => r.person)).size,
        leads: new Set(of.map((p) => p.lead)).size,
        'leads exp.': expectedLeads(expect, groups, windowMinutes * 60_000),
        'leads in arrival order': leadsInArrivalOrder(of.filter((p) => p.req).sort((a, b) => a.processed - b.processed).map((p) => p.req), windowMinutes * 60_000),
        'groups out of order': new Set(expect.map((r) => groups.get(r.ref) as string).filter((g) => outOfOrder.has(g))).size,
      };
    });
    await crm.waitForAccepted(real.length, 10 * 60_000);
    const mails = traffic.filter((r) => r.channel === 'email').length;
    const summary = `Dedupe on realistic traffic (${backend}${operatorSetup ? '' : ', no operator setup'}): ${traffic.length} requests (${mails} e-mails through IMAP) from ${new Set(traffic.map((r) => r.person)).size} people, `
      + `replayed and normalized in ${seconds.toFixed(0)} s; raw events by outcome ${outcomes.map((o) => `${o.outcome}=${o.n}`).join(', ')}; `
      + `${unknown} placed requests not in the corpus; ${crm.accepted.length} CRM deliveries`;
    return { summary, table };
  } finally {
    await env.cleanup();
    await crm.close();
    await dovecot.stop();
  }
}

for (const backend of backends) {
  const { summary, table } = await run(backend);
  process.stdout.write(`\n${summary}\n`);
  console.table(table);
}
