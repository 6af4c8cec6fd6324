import { findPhoneNumbersInText, type CountryCode } from 'libphonenumber-js';
import type { LeadSource } from '../../contracts/lead-draft.js';

const utmKeys = ['utm_source', 'utm_medium', 'utm_campaign', 'utm_term', 'utm_content'] as const;
type UtmKey = (typeof utmKeys)[number];
const clickIdKeys = ['gclid', 'yclid', 'fbclid', 'wbraid', 'gbraid', 'roistat_visit', '_ga', '_ym_uid'];

const urlPattern = /https?:\/\/[^\s<>"')]+/g;
/** `utm_source: yandex` or `gclid = EAIa…` lines, as form plugins print hidden fields into the mail. */
const linePattern = /^[ \t]*([A-Za-z_]+)[ \t]*[:=][ \t]*(\S[^\r\n]*?)[ \t]*$/gm;

function put(source: LeadSource, key: string, value: string): boolean {
  const k = key.toLowerCase();
  if ((utmKeys as readonly string[]).includes(k)) {
    source.utm = { ...source.utm };
    source.utm[k as UtmKey] ??= value;
    return true;
  }
  if (clickIdKeys.includes(k)) {
    source.clickIds = { ...source.clickIds };
    source.clickIds[k] ??= value;
    return true;
  }
  return false;
}

/**
 * UTM and click ids a site's notification e-mail prints: in the query of a page URL or as `key: value`
 * lines. The first URL that carries any becomes `page`. Pure; an empty object when there is none.
 */
export function attributionInText(text: string | undefined): LeadSource {
  const source: LeadSource = {};
  if (!text) return source;
  for (const match of text.matchAll(urlPattern)) {
    let url: URL;
    try {
      url = new URL(match[0].replace(/[.,;]+$/, ''));
    } catch {
      continue;
    }
    let found = false;
    for (const [key, value] of url.searchParams) if (value && put(source, key, value)) found = true;
    if (found) source.page ??= url.toString();
  }
  for (const match of text.matchAll(linePattern)) if (match[1] && match[2]) put(source, match[1], match[2]);
  return source;
}

/**
 * Phone numbers written in the body, as E.164, in order of appearance: kept for the CRM as a field, never
 * matched on (a signature's office number or a forwarded thread's numbers are not the sender's).
 */
export function phonesInText(text: string | undefined, defaultRegion: string): string[] {
  if (!text) return [];
  const found = findPhoneNumbersInText(text.slice(0, 20_000), defaultRegion as CountryCode);
  return [...new Set(found.map((f) => f.number.number))].slice(0, 20);
}
