import { useState } from 'preact/hooks';
import { api, apiText } from './api.js';
import { BarChart } from './bar-chart.js';
import { html } from './html.js';
import { formatDuration, useT, type MessageKey } from './i18n.js';
import { ErrorBox, errorText, inputValue, useLoad } from './ui.js';

export interface ReactionRow {
  group: string;
  leadsIn: number;
  duplicatesAbsorbed: number;
  responded: number;
  medianFirstResponseSec: number | null;
  p90FirstResponseSec: number | null;
  slaActive: number;
  slaOverdue: number;
  lossRate: number | null;
  missedCalls: number;
  missedNotCalledBack: number;
}
interface Report {
  from: string;
  to: string;
  groupBy: string;
  rows: ReactionRow[];
  total: ReactionRow;
}

const groupings = ['day', 'week', 'channel', 'connector', 'utm_source', 'owner'] as const;
const day = (d: Date): string => d.toISOString().slice(0, 10);
const pct = (v: number | null): string => (v === null ? '—' : `${Math.round(v * 1000) / 10} %`);

export function ReportPage() {
  const t = useT();
  const tomorrow = new Date(Date.now() + 86_400_000);
  const [form, setForm] = useState({ from: day(new Date(Date.now() - 29 * 86_400_000)), to: day(tomorrow), groupBy: 'day' });
  const [applied, setApplied] = useState(form);
  const [csvError, setCsvError] = useState<string | undefined>(undefined);
  const query = (f: typeof form): string => new URLSearchParams({ from: `${f.from}T00:00:00Z`, to: `${f.to}T00:00:00Z`, groupBy: f.groupBy }).toString();
  const report = useLoad(() => api<Report>(`/v1/reports/reaction?${query(applied)}`), [applied]);

  const exportCsv = async (): Promise<void> => {
    try {
      const csv = await apiText(`/v1/reports/reaction?${query(applied)}&format=csv`);
      const url = URL.createObjectURL(new Blob([csv], { type: 'text/csv' }));
      const a = document.createElement('a');
      a.href = url;
      a.download = `reaction-${applied.groupBy}-${applied.from}-${applied.to}.csv`;
      a.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (err) {
      setCsvError(errorText(err));
    }
  };

  const data = report.data;
  const cells = (r: ReactionRow) => html`
    <td class="num" data-k="leadsIn">${r.leadsIn}</td><td class="num" data-k="duplicatesAbsorbed">${r.duplicatesAbsorbed}</td>
    <td class="num" data-k="responded">${r.responded}</td>
    <td class="num" data-k="medianFirstResponseSec" data-v=${r.medianFirstResponseSec ?? ''}>${formatDuration(r.medianFirstResponseSec)}</td>
    <td class="num" data-k="p90FirstResponseSec" data-v=${r.p90FirstResponseSec ?? ''}>${formatDuration(r.p90FirstResponseSec)}</td>
    <td class="num" data-k="slaOverdue">${r.slaOverdue} / ${r.slaActive}</td><td class="num" data-k="lossRate">${pct(r.lossRate)}</td>
    <td class="num" data-k="missedNotCalledBack">${r.missedNotCalledBack} / ${r.missedCalls}</td>`;

  return html`<section>
    <form class="card toolbar" id="report-form" onSubmit=${(e: Event) => { e.preventDefault(); setApplied(form); }}>
      <label>${t('report.from')}<input type="date" name="from" value=${form.from} onInput=${(e: Event) => setForm({ ...form, from: inputValue(e) })} /></label>
      <label>${t('report.to')}<input type="date" name="to" value=${form.to} onInput=${(e: Event) => setForm({ ...form, to: inputValue(e) })} /></label>
      <label>${t('report.groupBy')}<select name="groupBy" value=${form.groupBy} onChange=${(e: Event) => setForm({ ...form, groupBy: inputValue(e) })}>
        ${groupings.map((g) => html`<option value=${g}>${t(`group.${g}` as MessageKey)}</option>`)}</select></label>
      <button type="submit">${t('report.run')}</button>
      <button type="button" id="csv" onClick=${() => void exportCsv()}>${t('report.csv')}</button>
    </form>
    <${ErrorBox} error=${report.error ?? csvError} />
    ${data ? html`<div class="card">
      <h2>${t('report.title')}</h2>
      <table id="report">
        <thead><tr><th>${t(`group.${data.groupBy}` as MessageKey)}</th><th class="num">${t('report.leads')}</th><th class="num">${t('report.duplicates')}</th><th class="num">${t('report.responded')}</th>
          <th class="num">${t('report.median')}</th><th class="num">${t('report.p90')}</th><th class="num">${t('report.overdue')} / ${t('report.active')}</th><th class="num">${t('report.lossRate')}</th>
          <th class="num">${t('report.missedNotCalledBack')} / ${t('report.missed')}</th></tr></thead>
        <tbody>${data.rows.map((r) => html`<tr data-group=${r.group}><td>${r.group || '—'}</td>${cells(r)}</tr>`)}</tbody>
        <tfoot><tr data-group="total"><th>${t('report.total')}</th>${cells(data.total)}</tr></tfoot>
      </table>
    </div>
    <div class="columns">
      <div class="card grow"><h2>${t('report.leads')} / ${t('report.duplicates')} / ${t('report.missedNotCalledBack')}</h2>
        <${BarChart} id="chart-volume" groups=${data.rows.map((r) => r.group)} series=${[
          { label: t('report.leads'), cls: 'bar', values: data.rows.map((r) => r.leadsIn) },
          { label: t('report.duplicates'), cls: 'bar2', values: data.rows.map((r) => r.duplicatesAbsorbed) },
          { label: t('report.missedNotCalledBack'), cls: 'bar3', values: data.rows.map((r) => r.missedNotCalledBack) },
        ]} /></div>
      <div class="card grow"><h2>${t('report.median')} / ${t('report.p90')}</h2>
        <${BarChart} id="chart-speed" format=${formatDuration} groups=${data.rows.map((r) => r.group)} series=${[
          { label: t('report.median'), cls: 'bar', values: data.rows.map((r) => r.medianFirstResponseSec) },
          { label: t('report.p90'), cls: 'bar2', values: data.rows.map((r) => r.p90FirstResponseSec) },
        ]} /></div>
    </div>` : html`<p class="muted">${t('common.loading')}</p>`}
  </section>`;
}
