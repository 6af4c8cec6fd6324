import type { LeadDraft } from '../contracts/lead-draft.js';
import type { ContactIdentity } from '../contracts/lead.js';
import { normalizeEmail } from './email.normalizer.js';
import { normalizePhone } from './phone.normalizer.js';
import { truncateText } from '../platform/text/safe-text.js';

/** How requests are cleaned before matching; mirrors the config's `normalizer` section. */
export interface NormalizationOptions {
  defaultRegion: string;
  phone?: { vanity?: boolean; assumeDefaultRegion?: boolean };
  email?: { providerRules?: boolean };
  name?: { titleCase?: boolean };
  /**
   * Numbers and addresses many people use (an office switchboard, `office@` of a client firm): kept on the
   * lead for the CRM, never an identity, so colleagues writing from them stay apart. Spelled as people write
   * them; read with the same rules as requests.
   */
  shared?: { phones?: string[]; emails?: string[] };
}

export interface CleanContact {
  name?: string;
  phones: string[];
  emails: string[];
  /** Every identity, phones and e-mails included (but not shared ones), deduplicated; the resolver matches on these. */
  identities: ContactIdentity[];
  /** Values that looked like phones or e-mails but are not valid: kept for the CRM, never matched on. */
  unparsed: string[];
  /** Phone extensions found (`+7 495 … доб. 12`), per E.164 number: for the CRM, never part of the identity. */
  extensions: Record<string, string>;
}

/** `иван  ПЕТРОВ-водкин` → `Иван Петров-Водкин`: each word (and hyphenated part) capitalised. */
function titleCase(name: string): string {
  return name.toLocaleLowerCase().replace(/(^|[\s\-'’])(\p{L})/gu, (_m, sep: string, letter: string) => sep + letter.toLocaleUpperCase());
}

/** The configured shared values, normalized once per list and region (the options object is rebuilt per request). */
const sharedCache = new WeakMap<object, Map<string, Set<string>>>();

function sharedValues(opts: NormalizationOptions): Set<string> {
  const shared = opts.shared;
  if (!shared || ((shared.phones?.length ?? 0) === 0 && (shared.emails?.length ?? 0) === 0)) return new Set();
  const perRegion = sharedCache.get(shared) ?? new Map<string, Set<string>>();
  sharedCache.set(shared, perRegion);
  let values = perRegion.get(opts.defaultRegion);
  if (!values) {
    values = new Set<string>();
    for (const p of shared.phones ?? []) {
      const e164 = normalizePhone(p, { defaultRegion: opts.defaultRegion, ...opts.phone }).e164;
      if (e164) values.add(`phone:${e164}`);
    }
    for (const e of shared.emails ?? []) {
      const n = normalizeEmail(e, opts.email);
      if (n) values.add(`email:${n}`);
    }
    perRegion.set(opts.defaultRegion, values);
  }
  return values;
}

/** Longest name kept; cut on a grapheme boundary so an emoji-heavy name stays valid text. */
const MAX_CLEAN_NAME = 200;

/** Names are shown to people, never matched on: whitespace collapsed, optionally title-cased. */
export function cleanName(name: string | undefined, options: NormalizationOptions['name'] = {}): string | undefined {
  const collapsed = name?.replace(/\s+/g, ' ').trim();
  if (!collapsed) return undefined;
  return truncateText(options.titleCase ? titleCase(collapsed) : collapsed, MAX_CLEAN_NAME);
}

export function cleanContact(draft: LeadDraft, options: NormalizationOptions | string): CleanContact {
  const opts: NormalizationOptions = typeof options === 'string' ? { defaultRegion: options } : options;
  const phones = new Set<string>();
  const emails = new Set<string>();
  const unparsed: string[] = [];
  const extensions: Record<string, string> = {};
  for (const p of draft.contact.phones ?? []) {
    const n = normalizePhone(p, { defaultRegion: opts.defaultRegion, ...opts.phone });
    if (n.e164) {
      phones.add(n.e164);
      if (n.extension) extensions[n.e164] = n.extension;
    } else if (p.trim()) unparsed.push(p.trim());
  }
  for (const e of draft.contact.emails ?? []) {
    const n = normalizeEmail(e, opts.email);
    if (n) emails.add(n);
    else if (e.trim()) unparsed.push(e.trim());
  }
  const others = new Map<string, ContactIdentity>();
  for (const id of draft.contact.ids ?? []) {
    // Kinds are case-insensitive labels; a phone or e-mail given as a plain id still goes through its rule.
    const kind = id.kind.trim().toLowerCase();
    const value = id.value.trim();
    if (!value) continue;
    if (kind === 'phone' || kind === 'email') {
      const n = kind === 'phone' ? normalizePhone(value, { defaultRegion: opts.defaultRegion, ...opts.phone }).e164 : normalizeEmail(value, opts.email);
      if (n) (kind === 'phone' ? phones : emails).add(n);
      else unparsed.push(value);
      continue;
    }
    others.set(`${kind}:${value}`, { kind, value });
  }
  const shared = sharedValues(opts);
  const identities: ContactIdentity[] = [
    ...[...phones].map((value) => ({ kind: 'phone', value })),
    ...[...emails].map((value) => ({ kind: 'email', value })),
    ...others.values(),
  ].filter((i) => !shared.has(`${i.kind}:${i.value}`));
  const name = cleanName(draft.contact.name, opts.name);
  return { ...(name ? { name } : {}), phones: [...phones], emails: [...emails], identities, unparsed, extensions };
}
