import { useState } from 'preact/hooks';
import { api } from './api.js';
import { html } from './html.js';
import { useT } from './i18n.js';
import { ErrorBox, errorText, inputValue, useLoad } from './ui.js';

interface Owner {
  id: string;
  name?: string;
  available: boolean;
  openLeads: number;
  capacity?: number;
  withinHours?: boolean;
}
interface Rule {
  id: string;
  match: Record<string, unknown>;
  pool: string[];
  strategy: string;
  slaMinutes?: number;
}
interface Decision {
  ownerId: string;
  ruleId: string;
  strategy: string;
  reason: string;
  skipped: { ownerId: string; reason: string }[];
}

const channels = ['form', 'call', 'email', 'telegram', 'whatsapp', 'chat'];

export function OwnersPage() {
  const t = useT();
  const owners = useLoad(() => api<{ owners: Owner[] }>('/v1/admin/owners'));
  const rules = useLoad(() => api<{ rules: Rule[]; fallbackOwner: string | null }>('/v1/admin/routing/rules'));
  const [form, setForm] = useState({ channel: 'form', connectorId: '', utmSource: '', phone: '' });
  const [decision, setDecision] = useState<Decision | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  // The switch shows the operator's choice at once; the reload then confirms it from the store.
  const [switched, setSwitched] = useState<Record<string, boolean>>({});

  const dryRun = async (e?: Event): Promise<void> => {
    e?.preventDefault();
    try {
      setDecision(await api<Decision>('/v1/admin/routing/dry-run', {
        method: 'POST',
        body: {
          channel: form.channel,
          ...(form.connectorId ? { connectorId: form.connectorId } : {}),
          ...(form.utmSource ? { source: { utm: { utm_source: form.utmSource } } } : {}),
          ...(form.phone ? { contact: { phones: [form.phone] } } : {}),
        },
      }));
      setError(undefined);
    } catch (err) {
      setError(errorText(err));
    }
  };
  const setAvailable = async (id: string, available: boolean): Promise<void> => {
    setSwitched({ ...switched, [id]: available });
    try {
      await api(`/v1/admin/owners/${encodeURIComponent(id)}/availability`, { method: 'PUT', body: { available } });
      setError(undefined);
    } catch (err) {
      setError(errorText(err));
      setSwitched((prev) => Object.fromEntries(Object.entries(prev).filter(([k]) => k !== id)));
    }
    owners.reload();
    if (decision) void dryRun();
  };

  return html`<section>
    <div class="card">
      <h2>${t('owners.title')}</h2>
      <${ErrorBox} error=${owners.error ?? error} />
      ${owners.data ? html`<table id="owners">
        <thead><tr><th>id</th><th>${t('owners.available')}</th><th class="num">${t('owners.open')}</th><th class="num">${t('owners.capacity')}</th><th>${t('owners.hours')}</th></tr></thead>
        <tbody>${owners.data.owners.map((o) => html`<tr data-owner=${o.id}>
          <td><strong>${o.name ?? o.id}</strong> <span class="muted">${o.id}</span></td>
          <td class="switch"><input type="checkbox" class="available" checked=${switched[o.id] ?? o.available} onChange=${(e: Event) => void setAvailable(o.id, (e.target as HTMLInputElement).checked)} /></td>
          <td class="num">${o.openLeads}</td><td class="num">${o.capacity ?? '∞'}</td><td>${o.withinHours === undefined ? '—' : o.withinHours ? '✓' : '✗'}</td>
        </tr>`)}</tbody></table>` : null}
    </div>
    <div class="card">
      <h2>${t('owners.rules')}</h2>
      <${ErrorBox} error=${rules.error} />
      ${rules.data ? html`<ol id="rules">${rules.data.rules.map((r) => html`<li data-rule=${r.id}>
        <strong>${r.id}</strong> <code>${JSON.stringify(r.match)}</code> → ${r.strategy} [${r.pool.join(', ')}]${r.slaMinutes !== undefined ? ` · SLA ${r.slaMinutes} min` : ''}
      </li>`)}</ol>
      ${rules.data.fallbackOwner ? html`<p class="muted">fallback: ${rules.data.fallbackOwner}</p>` : null}` : null}
    </div>
    <div class="card">
      <h2>${t('owners.dryRun')}</h2>
      <form class="toolbar" id="dry-run" onSubmit=${dryRun}>
        <label>${t('owners.channel')}<select name="channel" value=${form.channel} onChange=${(e: Event) => setForm({ ...form, channel: inputValue(e) })}>${channels.map((c) => html`<option value=${c}>${c}</option>`)}</select></label>
        <label>${t('conn.id')}<input name="connectorId" value=${form.connectorId} onInput=${(e: Event) => setForm({ ...form, connectorId: inputValue(e) })} /></label>
        <label>${t('owners.utmSource')}<input name="utmSource" value=${form.utmSource} onInput=${(e: Event) => setForm({ ...form, utmSource: inputValue(e) })} /></label>
        <label>${t('owners.phone')}<input name="phone" value=${form.phone} onInput=${(e: Event) => setForm({ ...form, phone: inputValue(e) })} /></label>
        <button type="submit">${t('owners.run')}</button>
      </form>
      ${decision ? html`<div class="result" id="dry-run-result" data-owner=${decision.ownerId} data-rule=${decision.ruleId}>
        <strong>${t('owners.result', { owner: decision.ownerId || t('owners.noOwner'), rule: decision.ruleId })}</strong>
        <span class="muted"> (${decision.strategy}, ${decision.reason})</span>
        ${decision.skipped.length ? html`<div class="muted">${decision.skipped.map((s) => `${s.ownerId}: ${s.reason}`).join(', ')}</div>` : null}
      </div>` : null}
    </div>
  </section>`;
}
