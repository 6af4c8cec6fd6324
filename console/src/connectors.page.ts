import { useContext } from 'preact/hooks';
import { api } from './api.js';
import { html } from './html.js';
import { formatTime, LangContext, useT } from './i18n.js';
import { ErrorBox, useLoad } from './ui.js';

interface ConnectorItem {
  id: string;
  kind: string;
  webhookUrl: string;
  health: { healthy: boolean; reason?: string } | null;
  lastEventAt: string | null;
  lastHour: { received: number; outcomes: Record<string, number>; rejected: Record<string, number> };
}

export function ConnectorsPage() {
  const t = useT();
  const { lang } = useContext(LangContext);
  const { data, error, reload } = useLoad(() => api<{ items: ConnectorItem[] }>('/v1/admin/connectors'));
  const copy = (text: string): void => void navigator.clipboard?.writeText(text).catch(() => undefined);
  return html`<section class="card">
    <div class="toolbar"><h2>${t('nav.connectors')}</h2><button type="button" onClick=${reload}>${t('common.refresh')}</button></div>
    <${ErrorBox} error=${error} />
    ${data ? html`<table id="connectors">
      <thead><tr><th>${t('conn.id')}</th><th>${t('conn.kind')}</th><th>${t('conn.url')}</th><th>${t('conn.health')}</th><th>${t('conn.lastEvent')}</th><th>${t('conn.hour')}</th></tr></thead>
      <tbody>${data.items.map((c) => html`<tr data-connector=${c.id}>
        <td><strong>${c.id}</strong></td>
        <td><span class="tag">${c.kind}</span></td>
        <td><span class="url"><code>${c.webhookUrl}</code><button type="button" onClick=${() => copy(c.webhookUrl)}>${t('common.copy')}</button></span></td>
        <td>${c.health ? html`<span class=${c.health.healthy ? 'ok' : 'error'}>${c.health.healthy ? 'OK' : c.health.reason ?? 'down'}</span>` : html`<span class="muted">${t('conn.background')}</span>`}</td>
        <td>${formatTime(lang, c.lastEventAt)}</td>
        <td class="hour">
          <div><strong>${c.lastHour.received}</strong></div>
          ${Object.entries(c.lastHour.outcomes).map(([k, v]) => html`<div class=${k in c.lastHour.rejected ? 'error' : 'muted'} data-outcome=${k}>${k}: ${v}</div>`)}
        </td>
      </tr>`)}</tbody>
    </table>` : html`<p class="muted">${t('common.loading')}</p>`}
  </section>`;
}
