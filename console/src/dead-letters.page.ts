import { useContext, useState } from 'preact/hooks';
import { api } from './api.js';
import { html } from './html.js';
import { formatTime, LangContext, useT } from './i18n.js';
import { ErrorBox, errorText, inputValue, maskPii, useLoad } from './ui.js';
import { usePrincipal } from './principal.js';

interface Letter {
  id: number;
  stage: string;
  destination?: string;
  connector?: string;
  key: string;
  code: string;
  reason: string;
  response?: unknown;
  record: unknown;
  failedAt: string;
  replayedAt?: string;
  replayCount: number;
}
interface Parked {
  destination: string;
  parked: boolean;
  reason?: string;
  code?: string;
  untilMs?: number;
}
interface Filters {
  stage: string;
  code: string;
  destination: string;
  connector: string;
  since: string;
  all: boolean;
}

const emptyFilters: Filters = { stage: '', code: '', destination: '', connector: '', since: '', all: false };

function queryOf(f: Filters, before: number | undefined): string {
  const q = new URLSearchParams();
  for (const k of ['stage', 'code', 'destination', 'connector'] as const) if (f[k]) q.set(k, f[k]);
  if (f.since) q.set('since', new Date(f.since).toISOString());
  if (f.all) q.set('all', '1');
  if (before !== undefined) q.set('before', String(before));
  return q.toString();
}

function Payload(props: { letter: Letter }) {
  const t = useT();
  const [plain, setPlain] = useState(false);
  const text = JSON.stringify({ record: props.letter.record, ...(props.letter.response !== undefined ? { response: props.letter.response } : {}) }, null, 2);
  // An operator's letters arrive masked by the server; there is nothing to unmask.
  if (usePrincipal().role === 'operator') {
    return html`<div class="payload"><div class="toolbar"><span class="muted">${t('dlq.maskedOnly')}</span></div><pre>${text}</pre></div>`;
  }
  // The admin may see personal data, but only on request.
  return html`<div class="payload">
    <div class="toolbar"><span class="muted">${plain ? '' : t('dlq.masked')}</span>
      <button type="button" class="unmask" onClick=${() => setPlain(!plain)}>${plain ? t('common.hide') : t('dlq.unmask')}</button></div>
    <pre>${plain ? text : maskPii(text)}</pre>
  </div>`;
}

export function DeadLettersPage() {
  const t = useT();
  const { lang } = useContext(LangContext);
  const [filters, setFilters] = useState<Filters>(emptyFilters);
  const [applied, setApplied] = useState<Filters>(emptyFilters);
  const [cursors, setCursors] = useState<(number | undefined)[]>([undefined]);
  const [selected, setSelected] = useState<Set<number>>(new Set());
  const [open, setOpen] = useState<number | null>(null);
  const [result, setResult] = useState<string>('');
  const before = cursors[cursors.length - 1];
  const letters = useLoad(() => api<{ items: Letter[]; nextBefore: number | null }>(`/v1/admin/dead-letters?${queryOf(applied, before)}`), [applied, before]);
  const readOnly = usePrincipal().role === 'operator';
  const parked = useLoad(() => (readOnly ? Promise.resolve({ items: [] as Parked[] }) : api<{ items: Parked[] }>('/v1/admin/destinations')));

  const replay = async (ids: number[]): Promise<void> => {
    const done: string[] = [];
    for (const id of ids) {
      try {
        const res = await api<{ replayed: { id: number; topic: string }[] }>('/v1/admin/dlq/replay', { method: 'POST', body: { id } });
        done.push(...res.replayed.map((r) => `#${r.id} → ${r.topic}`));
      } catch (err) {
        done.push(`#${id}: ${errorText(err)}`);
      }
    }
    setResult(`${t('dlq.replayed', { n: done.filter((d) => d.includes('→')).length })} — ${done.join(', ')}`);
    setSelected(new Set());
    letters.reload();
  };
  const resume = async (destination: string): Promise<void> => {
    try {
      await api(`/v1/admin/destinations/${encodeURIComponent(destination)}/resume`, { method: 'POST' });
      setResult(`${destination}: resumed`);
    } catch (err) {
      setResult(errorText(err));
    }
    parked.reload();
  };
  const field = (k: 'code' | 'destination' | 'connector', label: string) =>
    html`<label>${label}<input name=${k} value=${filters[k]} onInput=${(e: Event) => setFilters({ ...filters, [k]: inputValue(e) })} /></label>`;
  const toggle = (id: number): void => {
    const next = new Set(selected);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    setSelected(next);
  };

  return html`<section>
    <div class="card">
      <h2>${t('dlq.title')}</h2>
      <form class="toolbar" id="dlq-filters" onSubmit=${(e: Event) => { e.preventDefault(); setCursors([undefined]); setApplied(filters); }}>
        <label>${t('dlq.filter.stage')}<select name="stage" value=${filters.stage} onChange=${(e: Event) => setFilters({ ...filters, stage: inputValue(e) })}>
          <option value="">—</option><option value="normalizer">normalizer</option><option value="router">router</option></select></label>
        ${field('code', t('dlq.filter.code'))}${field('destination', t('dlq.filter.destination'))}${field('connector', t('dlq.filter.connector'))}
        <label>${t('dlq.filter.since')}<input type="datetime-local" name="since" value=${filters.since} onInput=${(e: Event) => setFilters({ ...filters, since: inputValue(e) })} /></label>
        <label><span><input type="checkbox" checked=${filters.all} onChange=${(e: Event) => setFilters({ ...filters, all: (e.target as HTMLInputElement).checked })} /> ${t('dlq.filter.replayed')}</span></label>
        <button type="submit">${t('common.refresh')}</button>
        ${readOnly ? null : html`<button type="button" id="replay-selected" class="primary" disabled=${selected.size === 0} onClick=${() => void replay([...selected])}>${t('dlq.replaySelected')} (${selected.size})</button>`}
      </form>
      ${result ? html`<div class="result" id="replay-result">${result}</div>` : null}
      <${ErrorBox} error=${letters.error} />
      ${letters.data ? (letters.data.items.length === 0 ? html`<p class="muted">${t('common.none')}</p>` : html`<table id="dead-letters">
        <thead><tr><th></th><th>#</th><th>${t('dlq.failedAt')}</th><th>${t('dlq.filter.stage')}</th><th>${t('dlq.filter.destination')} / ${t('dlq.filter.connector')}</th><th>${t('dlq.filter.code')}</th><th>${t('dlq.reason')}</th><th></th></tr></thead>
        <tbody>${letters.data.items.map((l) => html`
          <tr data-letter=${l.id} class=${l.replayedAt ? 'muted' : ''}>
            <td>${readOnly ? null : html`<input type="checkbox" class="pick" checked=${selected.has(l.id)} onChange=${() => toggle(l.id)} />`}</td>
            <td><a href="#/dlq" onClick=${(e: Event) => { e.preventDefault(); setOpen(open === l.id ? null : l.id); }}>${l.id}</a></td>
            <td>${formatTime(lang, l.failedAt)}</td><td>${l.stage}</td><td>${l.destination ?? ''} ${l.connector ? html`<span class="tag">${l.connector}</span>` : null}</td>
            <td><code>${l.code}</code></td><td>${maskPii(l.reason)}</td>
            <td>${readOnly ? null : html`<button type="button" class="replay" onClick=${() => void replay([l.id])}>${t('dlq.replay')}</button>`}</td>
          </tr>
          ${open === l.id ? html`<tr><td colspan="8"><${Payload} letter=${l} /></td></tr>` : null}`)}
        </tbody></table>`) : html`<p class="muted">${t('common.loading')}</p>`}
      <div class="pager">
        <button type="button" disabled=${cursors.length < 2} onClick=${() => setCursors(cursors.slice(0, -1))}>${t('common.prev')}</button>
        <button type="button" disabled=${!letters.data?.nextBefore} onClick=${() => setCursors([...cursors, letters.data?.nextBefore ?? undefined])}>${t('common.next')}</button>
      </div>
    </div>
    ${readOnly ? null : html`<div class="card">
      <h2>${t('dlq.parked')}</h2>
      <${ErrorBox} error=${parked.error} />
      ${parked.data && parked.data.items.length > 0 ? html`<table id="parked"><tbody>${parked.data.items.map((p) => html`<tr>
        <td><strong>${p.destination}</strong></td><td class=${p.parked ? 'error' : 'ok'}>${p.parked ? 'parked' : 'active'}</td><td><code>${p.code ?? ''}</code> ${p.reason ?? ''}</td>
        <td>${p.untilMs ? formatTime(lang, new Date(p.untilMs).toISOString()) : ''}</td>
        <td>${p.parked ? html`<button type="button" onClick=${() => void resume(p.destination)}>${t('dlq.resume')}</button>` : null}</td></tr>`)}</tbody></table>` : html`<p class="muted">${t('common.none')}</p>`}
    </div>`}
  </section>`;
}
