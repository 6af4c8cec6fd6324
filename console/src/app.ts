import type { ComponentChildren } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { api, ApiError, session, signedOutEvent } from './api.js';
import { html } from './html.js';
import { initialLang, LangContext, saveLang, translator, useT, type Lang, type MessageKey } from './i18n.js';
import { ConnectorsPage } from './connectors.page.js';
import { DeadLettersPage } from './dead-letters.page.js';
import { LivePage } from './live.page.js';
import { LookupPage } from './lookup.page.js';
import { OwnersPage } from './owners.page.js';
import { ReportPage } from './report.page.js';
import { PrincipalContext, type Principal } from './principal.js';

const pages: { id: string; label: MessageKey; view: () => ComponentChildren; adminOnly?: boolean }[] = [
  { id: 'live', label: 'nav.live', view: () => html`<${LivePage} />` },
  { id: 'connectors', label: 'nav.connectors', view: () => html`<${ConnectorsPage} />`, adminOnly: true },
  { id: 'dlq', label: 'nav.dlq', view: () => html`<${DeadLettersPage} />` },
  { id: 'owners', label: 'nav.owners', view: () => html`<${OwnersPage} />`, adminOnly: true },
  { id: 'lookup', label: 'nav.lookup', view: () => html`<${LookupPage} />` },
  { id: 'report', label: 'nav.report', view: () => html`<${ReportPage} />` },
];

const pageOfHash = (): string => window.location.hash.replace(/^#\/?/, '').split('?')[0] || 'live';

const whoami = (token?: string): Promise<Principal> => api<Principal>('/v1/admin/whoami', token !== undefined ? { token } : {});

function SignIn(props: { onSignedIn: (who: Principal) => void }) {
  const t = useT();
  const [token, setToken] = useState('');
  const [error, setError] = useState('');
  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    try {
      // Proves the token and says which console to show: the admin's, or an operator's read-only one.
      const who = await whoami(token.trim());
      session.save(token.trim());
      props.onSignedIn(who);
    } catch (err) {
      setError(err instanceof ApiError && err.status === 401 ? t('signin.bad') : String(err));
    }
  };
  return html`<form class="signin card" onSubmit=${submit}>
    <h1>${t('signin.title')}</h1>
    <label>${t('signin.token')}<input id="token" type="password" autocomplete="current-password" value=${token} onInput=${(e: Event) => setToken((e.target as HTMLInputElement).value)} /></label>
    <button type="submit" id="signin">${t('signin.submit')}</button>
    ${error ? html`<p class="error" role="alert">${error}</p>` : null}
    <p class="hint">${t('signin.hint')}</p>
  </form>`;
}

export function App() {
  const [lang, setLang] = useState<Lang>(initialLang());
  const [signedIn, setSignedIn] = useState(session.token() !== null);
  const [principal, setPrincipal] = useState<Principal | null>(null);
  const [page, setPage] = useState(pageOfHash());
  const ctx = useMemo(() => ({ lang, t: translator(lang) }), [lang]);
  const { t } = ctx;

  useEffect(() => {
    document.documentElement.lang = lang;
    document.title = t('app.title');
  }, [lang]);
  useEffect(() => {
    const onHash = (): void => setPage(pageOfHash());
    const onSignedOut = (): void => {
      session.clear();
      setSignedIn(false);
    };
    // A reload keeps the token (sessionStorage) but not who it belongs to.
    if (session.token() !== null) void whoami().then(setPrincipal).catch(() => undefined);
    window.addEventListener('hashchange', onHash);
    window.addEventListener(signedOutEvent, onSignedOut);
    return () => {
      window.removeEventListener('hashchange', onHash);
      window.removeEventListener(signedOutEvent, onSignedOut);
    };
  }, []);

  const switchLang = (next: Lang): void => {
    saveLang(next);
    setLang(next);
  };
  const allowed = principal?.role === 'operator' ? pages.filter((p) => p.adminOnly !== true) : pages;
  const current = allowed.find((p) => p.id === page) ?? allowed[0];
  const ready = signedIn && principal !== null;
  const langSwitch = html`<span class="lang">
    ${(['ru', 'en'] as const).map((l) => html`<button type="button" class=${l === lang ? 'on' : ''} data-lang=${l} onClick=${() => switchLang(l)}>${l.toUpperCase()}</button>`)}
  </span>`;

  return html`<${LangContext.Provider} value=${ctx}>
    <header class="top">
      <strong>Leadgate</strong>
      ${ready ? html`<nav>${allowed.map((p) => html`<a href=${`#/${p.id}`} class=${p.id === current.id ? 'on' : ''} data-page=${p.id}>${t(p.label)}</a>`)}</nav>` : null}
      ${principal?.role === 'operator' && ready ? html`<span class="principal" id="principal">${t('operator.badge', { owner: principal.ownerId })}</span>` : null}
      ${langSwitch}
      ${signedIn ? html`<button type="button" id="signout" onClick=${() => { session.clear(); setSignedIn(false); setPrincipal(null); }}>${t('signout')}</button>` : null}
    </header>
    <main>${ready ? html`<${PrincipalContext.Provider} value=${principal}>${current.view()}<//>` : signedIn ? html`<p class="muted">${t('common.loading')}</p>` : html`<${SignIn} onSignedIn=${(who: Principal) => { setPrincipal(who); setSignedIn(true); }} />`}</main>
  <//>`;
}
