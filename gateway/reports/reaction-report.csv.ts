import type { ReactionRow } from './reaction-report.sql.js';

const columns: (keyof ReactionRow)[] = ['group', 'leadsIn', 'duplicatesAbsorbed', 'responded', 'medianFirstResponseSec', 'p90FirstResponseSec', 'slaActive', 'slaOverdue', 'lossRate', 'missedCalls', 'missedNotCalledBack'];

/** RFC 4180 field; a leading `=`, `+`, `-` or `@` is quoted with a `'` so a spreadsheet never runs it as a formula. */
function field(value: unknown): string {
  let text = value === null || value === undefined ? '' : String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** The report as CSV: a header, one line per group, then the total. */
export function reactionReportCsv(groupBy: string, rows: ReactionRow[], total: ReactionRow): string {
  const header = [groupBy, ...columns.slice(1)].join(',');
  return `${[header, ...[...rows, total].map((r) => columns.map((c) => field(r[c])).join(','))].join('\r\n')}\r\n`;
}
