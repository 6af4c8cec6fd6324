import type { Queryable } from '../../platform/store/store.port.js';

/** How the reaction report groups its rows. Days and weeks are UTC; a week starts on Monday. */
export type ReactionGroupBy = 'day' | 'week' | 'channel' | 'connector' | 'utm_source' | 'owner';
export const reactionGroupings: readonly ReactionGroupBy[] = ['day', 'week', 'channel', 'connector', 'utm_source', 'owner'];

/** One row of the report; `group` is the day/week start (`YYYY-MM-DD`) or the channel, connector, … ('' = none). */
export interface ReactionRow {
  group: string;
  /** Leads created in the range. */
  leadsIn: number;
  /** Requests that joined an existing lead instead of opening one (activities after a lead's first). */
  duplicatesAbsorbed: number;
  /** Leads of the range with a recorded first response, and the median / p90 seconds to it. */
  responded: number;
  medianFirstResponseSec: number | null;
  p90FirstResponseSec: number | null;
  /** Leads of the range under an SLA deadline, how many breached it, and their ratio (null without any). */
  slaActive: number;
  slaOverdue: number;
  lossRate: number | null;
  /** Callback tasks opened by missed calls in the range, and those not called back by their deadline. */
  missedCalls: number;
  missedNotCalledBack: number;
}

export interface ReactionQuery {
  from: Date;
  to: Date;
  groupBy: ReactionGroupBy;
  /** "Now" for open callback tasks: overdue when their deadline is before it. */
  asOf: Date;
}

// The lead's UTM source is the one of the request that opened it (its first activity's Lead v1).
const utmSourceOfLead = `coalesce((select re.output #>> '{source,utm,utm_source}' from lead_activities fa
  join raw_events re on re.event_key = fa.event_key where fa.lead_id = l.id order by fa.created_at, fa.id limit 1), '')`;

/** The grouping expression over lead `l`, with `time` the column that places the fact in a day or week. */
function groupKey(groupBy: ReactionGroupBy | 'total', time: string): string {
  switch (groupBy) {
    case 'day':
      return `to_char(date_trunc('day', ${time} at time zone 'UTC'), 'YYYY-MM-DD')`;
    case 'week':
      return `to_char(date_trunc('week', ${time} at time zone 'UTC'), 'YYYY-MM-DD')`;
    case 'channel':
      return 'l.channel';
    case 'connector':
      return 'l.connector_id';
    case 'owner':
      return `coalesce(l.owner_id, '')`;
    case 'utm_source':
      return utmSourceOfLead;
    case 'total':
      return `''`;
  }
}

interface Measures {
  leads: { g: string; n: number }[];
  duplicates: { g: string; n: number }[];
  responses: { g: string; responded: number; median: number | null; p90: number | null; active: number; overdue: number }[];
  missed: { g: string; total: number; late: number }[];
}

async function measure(q: Queryable, by: ReactionGroupBy | 'total', range: [Date, Date], asOf: Date): Promise<Measures> {
  const args = [range[0], range[1]];
  const [leads, duplicates, responses, missed] = await Promise.all([
    q.query<{ g: string; n: string }>(`select ${groupKey(by, 'l.created_at')} as g, count(*) as n from leads l
      where l.created_at >= $1 and l.created_at < $2 group by 1`, args),
    q.query<{ g: string; n: string }>(`select ${groupKey(by, 'a.created_at')} as g, count(*) as n from lead_activities a
      join leads l on l.id = a.lead_id
      where a.created_at >= $1 and a.created_at < $2
        and a.id <> (select fa.id from lead_activities fa where fa.lead_id = a.lead_id order by fa.created_at, fa.id limit 1)
      group by 1`, args),
    q.query<{ g: string; responded: string; median: number | null; p90: number | null; active: string; overdue: string }>(`select ${groupKey(by, 'l.created_at')} as g,
        count(s.response_seconds) as responded,
        percentile_cont(0.5) within group (order by s.response_seconds) as median,
        percentile_cont(0.9) within group (order by s.response_seconds) as p90,
        count(*) filter (where s.due_at is not null) as active,
        count(*) filter (where s.due_at is not null and (s.status = 'breached' or s.breached_at is not null or s.escalation_level > 0)) as overdue
      from lead_sla s join leads l on l.id = s.lead_id
      where l.created_at >= $1 and l.created_at < $2 group by 1`, args),
    q.query<{ g: string; total: string; late: string }>(`select ${groupKey(by, 't.created_at')} as g, count(*) as total,
        count(*) filter (where (t.closed_at is null and t.due_at < $3) or t.closed_at > t.due_at) as late
      from callback_tasks t join leads l on l.id = t.lead_id
      where t.created_at >= $1 and t.created_at < $2 group by 1`, [...args, asOf]),
  ]);
  const num = (v: string | number | null): number => Number(v ?? 0);
  const sec = (v: number | string | null): number | null => (v === null ? null : Math.round(Number(v) * 1000) / 1000);
  return {
    leads: leads.map((r) => ({ g: r.g, n: num(r.n) })),
    duplicates: duplicates.map((r) => ({ g: r.g, n: num(r.n) })),
    responses: responses.map((r) => ({ g: r.g, responded: num(r.responded), median: sec(r.median), p90: sec(r.p90), active: num(r.active), overdue: num(r.overdue) })),
    missed: missed.map((r) => ({ g: r.g, total: num(r.total), late: num(r.late) })),
  };
}

function rowsOf(m: Measures): ReactionRow[] {
  const rows = new Map<string, ReactionRow>();
  const row = (g: string): ReactionRow => {
    let r = rows.get(g);
    if (!r) {
      r = { group: g, leadsIn: 0, duplicatesAbsorbed: 0, responded: 0, medianFirstResponseSec: null, p90FirstResponseSec: null, slaActive: 0, slaOverdue: 0, lossRate: null, missedCalls: 0, missedNotCalledBack: 0 };
      rows.set(g, r);
    }
    return r;
  };
  for (const x of m.leads) row(x.g).leadsIn = x.n;
  for (const x of m.duplicates) row(x.g).duplicatesAbsorbed = x.n;
  for (const x of m.responses) {
    Object.assign(row(x.g), { responded: x.responded, medianFirstResponseSec: x.median, p90FirstResponseSec: x.p90, slaActive: x.active, slaOverdue: x.overdue, lossRate: x.active > 0 ? Math.round((x.overdue / x.active) * 10_000) / 10_000 : null });
  }
  for (const x of m.missed) Object.assign(row(x.g), { missedCalls: x.total, missedNotCalledBack: x.late });
  return [...rows.values()].sort((a, b) => a.group.localeCompare(b.group));
}

/**
 * The reaction report computed from the store: grouped rows and the total over the whole range (the
 * total's median and p90 are computed over all leads, not from the groups). Every figure places a fact by
 * its own time: leads and their responses by the lead's creation, absorbed requests by their arrival,
 * callback tasks by their opening.
 */
export async function reactionReport(q: Queryable, query: ReactionQuery): Promise<{ rows: ReactionRow[]; total: ReactionRow }> {
  const range: [Date, Date] = [query.from, query.to];
  const [grouped, total] = await Promise.all([measure(q, query.groupBy, range, query.asOf), measure(q, 'total', range, query.asOf)]);
  const totalRow = rowsOf(total)[0] ?? rowsOf({ leads: [{ g: '', n: 0 }], duplicates: [], responses: [], missed: [] })[0];
  return { rows: rowsOf(grouped), total: { ...(totalRow as ReactionRow), group: 'total' } };
}
