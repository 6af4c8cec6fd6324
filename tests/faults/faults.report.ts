import type { ReceivedDelivery } from '../../scripts/crm-stub.js';
import type { SentLead } from './faults.load.js';

/** One scenario's figures, as printed in the tables of docs/faults.md. */
export interface ScenarioFigures {
  scenario: string;
  sent: number;
  acknowledged: number;
  delivered: number;
  lost: number;
  duplicated: number;
  replayed: number;
  /** Non-2xx answers the providers got (and retried); a spooling gateway gives none while Kafka is down. */
  rejected: number;
  /** Attempts with no answer (gateway process down). */
  unanswered: number;
  maxDelayMs: number;
  p99DelayMs: number;
  /** Most raw events the gateway held in its Kafka-outage spool during the scenario (sampled each second). */
  maxSpoolDepth?: number;
  /** Role processes that exited on their own (not injected) during the scenario. */
  crashes?: number;
  /** Phones of lost or duplicated leads (first few), as evidence. */
  evidence: string[];
}

const leadKinds = new Set(['lead.create', 'lead.activity']);

function phonesOf(delivery: ReceivedDelivery): string[] {
  const lead = delivery.body.lead as { contact?: { phones?: string[] } } | undefined;
  return lead?.contact?.phones ?? [];
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** Indexes the CRM's record once: accepted lead deliveries by phone, and keys accepted more than once. */
export function indexCrm(accepted: readonly ReceivedDelivery[], replays: readonly ReceivedDelivery[]) {
  const byPhone = new Map<string, ReceivedDelivery[]>();
  const acceptancesByKey = new Map<string, number>();
  for (const d of accepted) {
    acceptancesByKey.set(d.idempotencyKey, (acceptancesByKey.get(d.idempotencyKey) ?? 0) + 1);
    if (!leadKinds.has(String(d.body.event))) continue;
    for (const phone of phonesOf(d)) {
      const list = byPhone.get(phone) ?? [];
      list.push(d);
      byPhone.set(phone, list);
    }
  }
  const replayedByPhone = new Map<string, number>();
  for (const d of replays) for (const phone of phonesOf(d)) replayedByPhone.set(phone, (replayedByPhone.get(phone) ?? 0) + 1);
  return { byPhone, acceptancesByKey, replayedByPhone };
}

export type CrmIndex = ReturnType<typeof indexCrm>;

/** Lost: acknowledged but never accepted by the CRM. Duplicated: a key accepted twice, or two creates for one lead. */
export function figuresFor(scenario: string, leads: readonly SentLead[], crm: CrmIndex): ScenarioFigures {
  const delays: number[] = [];
  const evidence: string[] = [];
  let acknowledged = 0;
  let delivered = 0;
  let lost = 0;
  let duplicated = 0;
  let replayed = 0;
  let rejected = 0;
  let unanswered = 0;
  for (const lead of leads) {
    if (lead.ackedAt !== undefined) acknowledged++;
    rejected += lead.rejected;
    unanswered += lead.unanswered;
    const deliveries = crm.byPhone.get(lead.phone) ?? [];
    replayed += crm.replayedByPhone.get(lead.phone) ?? 0;
    if (deliveries.length > 0) {
      delivered++;
      delays.push(Math.min(...deliveries.map((d) => d.receivedAt)) - lead.firstSentAt);
    } else if (lead.ackedAt !== undefined) {
      lost++;
      if (evidence.length < 10) evidence.push(`lost ${lead.channel} ${lead.phone} event ${lead.eventId}`);
    }
    const creates = deliveries.filter((d) => d.body.event === 'lead.create');
    const twiceAccepted = deliveries.filter((d) => (crm.acceptancesByKey.get(d.idempotencyKey) ?? 0) > 1);
    if (creates.length > 1 || twiceAccepted.length > 0) {
      duplicated++;
      if (evidence.length < 10) evidence.push(`duplicate ${lead.channel} ${lead.phone}: keys ${deliveries.map((d) => d.idempotencyKey).join(', ')}`);
    }
  }
  delays.sort((a, b) => a - b);
  return {
    scenario,
    sent: leads.length,
    acknowledged,
    delivered,
    lost,
    duplicated,
    replayed,
    rejected,
    unanswered,
    maxDelayMs: delays.at(-1) ?? 0,
    p99DelayMs: percentile(delays, 99),
    evidence,
  };
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

/** One Markdown table per scenario (pasteable into docs/faults.md), then the evidence lines if any. */
export function renderTable(f: ScenarioFigures): string {
  const rows: [string, string][] = [
    ['leads sent', String(f.sent)],
    ['requests answered non-2xx (retried by the provider)', String(f.rejected)],
    ['requests with no answer (retried by the provider)', String(f.unanswered)],
    ['acknowledged (2xx)', String(f.acknowledged)],
    ['delivered to the CRM', String(f.delivered)],
    ['lost (acknowledged − delivered)', String(f.lost)],
    ['duplicated', String(f.duplicated)],
    ['replayed keys (absorbed by Idempotency-Key)', String(f.replayed)],
    ['max end-to-end delay', seconds(f.maxDelayMs)],
    ['p99 end-to-end delay', seconds(f.p99DelayMs)],
  ];
  if (f.maxSpoolDepth !== undefined) rows.push(['max gateway spool depth', String(f.maxSpoolDepth)]);
  if (f.crashes !== undefined) rows.push(['role processes that crashed on their own', String(f.crashes)]);
  const lines = [`#### ${f.scenario}`, '', '| figure | value |', '|---|---|', ...rows.map(([k, v]) => `| ${k} | ${v} |`)];
  if (f.evidence.length > 0) lines.push('', ...f.evidence.map((e) => `- ${e}`));
  return lines.join('\n');
}
