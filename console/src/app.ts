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

const pages: { id: string; label: MessageKey; view: () => ComponentChildren }[] = [
  { id: 'live', label: 'nav.live', view: () => html`<${LivePage} />` },
  { id: 'connectors', label: 'nav.connectors', view: () => html`<${ConnectorsPage} />` },
  { id: 'dlq', label: 'nav.dlq', view: () => html`<${DeadLettersPage} />` },
  { id: 'owners', label: 'nav.owners', view: () => html`<${OwnersPage} />` },
  { id: 'lookup', label: 'nav.lookup', view: () => html`<${LookupPage} />` },
  { id: 'report', label: 'nav.report', view: () => html`<${ReportPage} />` },
];

const pageOfHash = (): string => window.location.hash.replace(/^#\/?/, '').split('?')[0] || 'live';

function SignIn(props: { onSignedIn: () => void }) {
  const t = useT();
  const [token, setToken] = useState('');
  const [error, setError] = useState('');
  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    try {
      // Any admin route proves the token; this one is cheap.
      await api('/v1/admin/connectors', { token: token.trim() });
      session.save(token.trim());
      props.onSignedIn();
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
  const current = pages.find((p) => p.id === page) ?? pages[0];
  const langSwitch = html`<span class="lang">
    ${(['ru', 'en'] as const).map((l) => html`<button type="button" class=${l === lang ? 'on' : ''} data-lang=${l} onClick=${() => switchLang(l)}>${l.toUpperCase()}</button>`)}
  </span>`;

  return html`<${LangContext.Provider} value=${ctx}>
    <header class="top">
      <strong>Leadgate</strong>
      ${signedIn ? html`<nav>${pages.map((p) => html`<a href=${`#/${p.id}`} class=${p.id === current.id ? 'on' : ''} data-page=${p.id}>${t(p.label)}</a>`)}</nav>` : null}
      ${langSwitch}
      ${signedIn ? html`<button type="button" id="signout" onClick=${() => { session.clear(); setSignedIn(false); }}>${t('signout')}</button>` : null}
    </header>
    <main>${signedIn ? current.view() : html`<${SignIn} onSignedIn=${() => setSignedIn(true)} />`}</main>
  <//>`;
}
