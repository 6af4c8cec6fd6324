import { useEffect, useRef, useState } from 'preact/hooks';
import { api, session } from './api.js';
import { html } from './html.js';
import { formatDuration, formatTime, useT, type MessageKey } from './i18n.js';
import { openLiveSocket, type LiveEventMessage, type LiveSocket, type SocketState } from './live-socket.js';
import { useContext } from 'preact/hooks';
import { LangContext } from './i18n.js';
import { pinnedOwner, usePrincipal } from './principal.js';

interface Owner {
  id: string;
  name?: string;
}
interface CallbackTask {
  taskId: string;
  phone: string;
  dueAt: string;
  ownerId?: string;
  attempts: number;
}
interface Ringing {
  callId: string;
  caller: string;
  at: string;
  ownerId?: string;
  contactName?: string;
  leadId?: string;
  missed: boolean;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const maxEvents = 200;

function ringingOf(e: LiveEventMessage): Ringing {
  const contact = (e.data.contact ?? {}) as Record<string, unknown>;
  const lead = (e.data.lead ?? {}) as Record<string, unknown>;
  return {
    callId: str(e.data.callId) ?? `${e.at}`,
    caller: str(e.data.caller) ?? '',
    at: e.at,
    ...(e.ownerId ? { ownerId: e.ownerId } : {}),
    ...(str(contact.name) ? { contactName: str(contact.name) } : {}),
    ...(str(lead.id) ? { leadId: str(lead.id) } : {}),
    missed: false,
  };
}

function summary(e: LiveEventMessage): string {
  const d = e.data;
  return [str(d.caller) ?? str(d.phone), str(d.name), str(d.channel), str(d.connectorId), str(d.ruleId), str(d.closedReason), str(d.reason)].filter(Boolean).join(' · ');
}

export function LivePage() {
  const t = useT();
  const { lang } = useContext(LangContext);
  // An operator's stream and tasks are pinned to its owner by the server; the UI only stops offering others.
  const pinned = pinnedOwner(usePrincipal());
  const [owners, setOwners] = useState<Owner[]>([]);
  const [owner, setOwner] = useState<string | null>(pinned);
  const [state, setState] = useState<SocketState>({ status: 'connecting' });
  const [events, setEvents] = useState<LiveEventMessage[]>([]);
  const [ringing, setRinging] = useState<Ringing[]>([]);
  const [tasks, setTasks] = useState<CallbackTask[]>([]);
  const [now, setNow] = useState(Date.now());
  const socket = useRef<LiveSocket | null>(null);
  const ownerRef = useRef<string | null>(pinned);

  const loadTasks = async (): Promise<void> => {
    const q = ownerRef.current ? `?owner=${encodeURIComponent(ownerRef.current)}` : '';
    const res = await api<{ items: CallbackTask[] }>(`/v1/admin/callbacks${q}`).catch(() => ({ items: [] }));
    setTasks(res.items);
  };

  useEffect(() => {
    if (pinned === null) void api<{ owners: Owner[] }>('/v1/admin/owners').then((r) => setOwners(r.owners)).catch(() => undefined);
    void loadTasks();
    const onEvent = (e: LiveEventMessage): void => {
      setEvents((prev) => [e, ...prev].slice(0, maxEvents));
      const callId = str(e.data.callId);
      if (e.type === 'call.ringing') setRinging((prev) => [ringingOf(e), ...prev.filter((r) => r.callId !== callId)].slice(0, 6));
      if (e.type === 'call.missed' && callId) setRinging((prev) => prev.map((r) => (r.callId === callId ? { ...r, missed: true } : r)));
      if (e.type === 'callback.created') {
        const task: CallbackTask = { taskId: str(e.data.taskId) ?? '', phone: str(e.data.phone) ?? '', dueAt: str(e.data.dueAt) ?? e.at, attempts: Number(e.data.attempts ?? 1), ...(e.ownerId ? { ownerId: e.ownerId } : {}) };
        setTasks((prev) => [...prev.filter((x) => x.taskId !== task.taskId), task]);
      }
      if (e.type === 'call.missed') void loadTasks();
      if (e.type === 'callback.closed') setTasks((prev) => prev.filter((x) => x.taskId !== str(e.data.taskId)));
    };
    // The stream never replays: after a reconnect the open tasks are reloaded from the store.
    socket.current = openLiveSocket({ token: session.token() ?? '', owner: pinned, onEvent, onState: setState, onReconnected: () => void loadTasks() });
    const tick = window.setInterval(() => setNow(Date.now()), 1000);
    return () => {
      socket.current?.close();
      window.clearInterval(tick);
    };
  }, []);

  const chooseOwner = (value: string): void => {
    const next = value === '' ? null : value;
    ownerRef.current = next;
    setOwner(next);
    socket.current?.setOwner(next);
    setRinging([]);
    void loadTasks();
  };
  const visible = owner ? events.filter((e) => e.ownerId === owner) : events;
  const statusText = state.status === 'open' ? t('live.status.open') : state.status === 'connecting' ? t('live.status.connecting') : t('live.status.closed', { s: Math.max(0, Math.ceil((state.retryAt - now) / 1000)) });
  const sortedTasks = [...tasks].sort((a, b) => a.dueAt.localeCompare(b.dueAt));

  return html`<section class="live">
    <div class="toolbar">
      <span class=${`status ${state.status}`} id="live-status">${statusText}</span>
      ${pinned !== null ? html`<span id="owner-pinned">${t('live.owner')}: <strong>${pinned}</strong></span>` : html`<label>${t('live.owner')}
        <select id="owner-filter" value=${owner ?? ''} onChange=${(e: Event) => chooseOwner((e.target as HTMLSelectElement).value)}>
          <option value="">${t('live.allOwners')}</option>
          ${owners.map((o) => html`<option value=${o.id}>${o.name ?? o.id}</option>`)}
        </select>
      </label>`}
    </div>
    <div class="popups" aria-live="assertive">
      ${ringing.map((r) => html`<div class=${`popup ${r.missed ? 'missed' : 'ringing'}`} data-call=${r.callId}>
        <div class="popup-title">${r.missed ? t('event.call.missed') : t('live.ringing')}</div>
        <div class="caller">${r.caller}</div>
        <div>${r.contactName ?? t('live.unknownCaller')}</div>
        ${r.ownerId ? html`<div>${t('live.owner.of')}: ${r.ownerId}</div>` : null}
        ${r.leadId ? html`<div class="muted">${t('live.openLead')}: ${r.leadId}</div>` : null}
        <button type="button" onClick=${() => setRinging((prev) => prev.filter((x) => x.callId !== r.callId))}>${t('live.dismiss')}</button>
      </div>`)}
    </div>
    <div class="columns">
      <div class="card">
        <h2>${t('live.callbacks')}</h2>
        ${sortedTasks.length === 0 ? html`<p class="muted">${t('live.noCallbacks')}</p>` : html`<ul class="tasks" id="callbacks">
          ${sortedTasks.map((task) => {
            const left = (Date.parse(task.dueAt) - now) / 1000;
            return html`<li class=${left < 0 ? 'overdue' : ''} data-task=${task.taskId}>
              <strong>${task.phone}</strong> <span class="muted">${task.ownerId ?? ''} ×${task.attempts}</span>
              <span class="countdown">${left < 0 ? t('live.overdue', { t: formatDuration(-left) }) : t('live.dueIn', { t: formatDuration(left) })}</span>
            </li>`;
          })}
        </ul>`}
      </div>
      <div class="card grow">
        <h2>${t('live.events')}</h2>
        ${visible.length === 0 ? html`<p class="muted">${t('live.noEvents')}</p>` : html`<table class="events" id="events"><tbody>
          ${visible.map((e) => html`<tr class=${`ev ${e.type.replace('.', '-')}`} data-type=${e.type}>
            <td class="muted">${formatTime(lang, e.at)}</td>
            <td><span class="tag">${t(`event.${e.type}` as MessageKey)}</span></td>
            <td>${e.ownerId ?? ''}</td>
            <td>${summary(e)}</td>
          </tr>`)}
        </tbody></table>`}
      </div>
    </div>
  </section>`;
}
