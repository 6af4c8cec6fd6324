import { useContext, useState } from 'preact/hooks';
import { api, ApiError } from './api.js';
import { html } from './html.js';
import { formatTime, LangContext, useT } from './i18n.js';
import { ErrorBox, errorText, inputValue } from './ui.js';
import { usePrincipal } from './principal.js';

interface LookupResult {
  contact: { id: string; name: string | null; ownerId: string | null; createdAt: string; erasedAt: string | null; identities: { kind: string; value: string }[] };
  leads: { id: string; status: string; ownerId: string | null; channel: string; connectorId: string; createdAt: string; closedAt: string | null; closedReason: string | null }[];
  activities: { id: string; leadId: string; channel: string; eventKey: string; createdAt: string }[];
  merges: { survivorId: string; mergedId: string; triggerEventKey: string; mergedAt: string }[];
  rawEvents: { eventKey: string; connectorId: string; receivedAt: string; outcome: string; leadId: string; raw: unknown }[];
}

export function LookupPage() {
  const t = useT();
  const { lang } = useContext(LangContext);
  const [query, setQuery] = useState('');
  const [result, setResult] = useState<LookupResult | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [confirm, setConfirm] = useState<string | null>(null);
  const readOnly = usePrincipal().role === 'operator';
  const [erased, setErased] = useState('');

  const find = async (e?: Event, q = query): Promise<void> => {
    e?.preventDefault();
    setErased('');
    try {
      setResult(await api<LookupResult>(`/v1/admin/lookup?q=${encodeURIComponent(q.trim())}`));
      setError(undefined);
    } catch (err) {
      setResult(undefined);
      setError(err instanceof ApiError && err.status === 404 ? t('lookup.notFound') : errorText(err));
    }
  };
  const erase = async (): Promise<void> => {
    if (!result || confirm !== 'ERASE') return;
    try {
      const res = await api<{ status: string }>('/v1/admin/contacts/erase', { method: 'POST', body: { contactId: result.contact.id } });
      setErased(`${t('lookup.erased')}: ${res.status}`);
      setConfirm(null);
      await find(undefined, result.contact.id);
      setErased(`${t('lookup.erased')}: ${res.status}`);
    } catch (err) {
      setError(errorText(err));
    }
  };

  return html`<section>
    <form class="card toolbar" id="lookup" onSubmit=${find}>
      <label>${t('lookup.query')}<input name="q" size="36" value=${query} onInput=${(e: Event) => setQuery(inputValue(e))} /></label>
      <button type="submit">${t('lookup.find')}</button>
    </form>
    <${ErrorBox} error=${error} />
    ${result ? html`<div id="lookup-result">
      <div class="card">
        <h2>${t('lookup.contact')}: ${result.contact.name ?? '—'} <span class="muted">${result.contact.id}</span></h2>
        <p>${result.contact.identities.map((i) => html`<span class="tag">${i.kind}: ${i.value}</span> `)}</p>
        <p class="muted">${t('live.owner.of')}: ${result.contact.ownerId ?? '—'} · ${formatTime(lang, result.contact.createdAt)}${result.contact.erasedAt ? ` · erased ${formatTime(lang, result.contact.erasedAt)}` : ''}</p>
        ${erased ? html`<p class="ok" id="erased">${erased}</p>` : null}
        ${readOnly ? null : confirm === null ? html`<button type="button" class="danger" id="erase" onClick=${() => setConfirm('')}>${t('lookup.erase')}</button>` : html`<div class="toolbar">
          <label>${t('lookup.eraseConfirm')}<input id="erase-confirm" value=${confirm} onInput=${(e: Event) => setConfirm(inputValue(e))} /></label>
          <button type="button" class="danger" id="erase-go" disabled=${confirm !== 'ERASE'} onClick=${() => void erase()}>${t('lookup.erase')}</button>
          <button type="button" onClick=${() => setConfirm(null)}>✕</button></div>`}
      </div>
      <div class="card"><h2>${t('lookup.leads')}</h2><table id="lookup-leads"><tbody>${result.leads.map((l) => html`<tr data-lead=${l.id}>
        <td><code>${l.id}</code></td><td><span class="tag">${l.status}</span></td><td>${l.channel} · ${l.connectorId}</td><td>${l.ownerId ?? ''}</td><td>${formatTime(lang, l.createdAt)}</td><td>${l.closedReason ?? ''}</td></tr>`)}</tbody></table></div>
      <div class="card"><h2>${t('lookup.activities')}</h2><table><tbody>${result.activities.map((a) => html`<tr>
        <td>${formatTime(lang, a.createdAt)}</td><td>${a.channel}</td><td><code>${a.leadId}</code></td><td><code>${a.eventKey}</code></td></tr>`)}</tbody></table></div>
      ${result.merges.length ? html`<div class="card"><h2>${t('lookup.merges')}</h2><ul>${result.merges.map((m) => html`<li><code>${m.mergedId}</code> → <code>${m.survivorId}</code> (${formatTime(lang, m.mergedAt)}, ${m.triggerEventKey})</li>`)}</ul></div>` : null}
      <div class="card"><h2>${t('lookup.raw')}</h2>${result.rawEvents.map((r) => html`<details>
        <summary>${formatTime(lang, r.receivedAt)} · ${r.connectorId} · ${r.outcome} · <code>${r.eventKey}</code></summary>
        <pre>${JSON.stringify(r.raw, null, 2)}</pre></details>`)}</div>
    </div>` : null}
  </section>`;
}
