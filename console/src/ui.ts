import { useEffect, useState } from 'preact/hooks';
import { ApiError } from './api.js';
import { html } from './html.js';
import { useT } from './i18n.js';

/** Loads once (and again when `deps` change or `reload` is called); keeps the last error for display. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[] = []): { data: T | undefined; error: string | undefined; reload: () => void } {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    load()
      .then((d) => {
        if (live) {
          setData(d);
          setError(undefined);
        }
      })
      .catch((err: unknown) => {
        if (live) setError(errorText(err));
      });
    return () => {
      live = false;
    };
  }, [...deps, tick]);
  return { data, error, reload: () => setTick((n) => n + 1) };
}

export function errorText(err: unknown): string {
  if (err instanceof ApiError) return `${err.status} ${err.code}: ${err.message}`;
  return err instanceof Error ? err.message : String(err);
}

export function ErrorBox(props: { error: string | undefined }) {
  const t = useT();
  return props.error ? html`<p class="error" role="alert">${t('common.error')}: ${props.error}</p>` : null;
}

/** Hides phones and e-mails in anything shown to someone who has not asked to see them. */
export function maskPii(text: string): string {
  return text
    .replace(/([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})/g, '$1***@$2')
    .replace(/(?<![\w-])\+?\d[\d\s()-]{7,}\d(?![\w-])/g, (m) => {
      const digits = m.replace(/\D/g, '');
      return digits.length < 9 ? m : `${m.startsWith('+') ? '+' : ''}${digits.slice(0, 2)}*****${digits.slice(-2)}`;
    });
}

export const inputValue = (e: Event): string => (e.target as HTMLInputElement).value;
