import { domainToASCII } from 'node:url';
import { stripInvisible } from './text.folding.js';

export interface EmailOptions {
  /**
   * Provider rules: Gmail ignores dots and `+tags` in the local part, so `J.Doe+ads@googlemail.com` is
   * `jdoe@gmail.com`. Off by default: the address as typed is the identity unless an operator opts in.
   */
  providerRules?: boolean;
}

/** Why a value is not an e-mail identity; the raw text is kept for the CRM. */
export type EmailRejection = 'empty' | 'no_address' | 'several_addresses' | 'local_part' | 'domain' | 'too_long';

export interface CheckedEmail {
  /** The canonical address, present only when the value is one valid address. */
  email?: string;
  rejected?: EmailRejection;
}

// Providers whose mailbox ignores dots and +tags (and their alias domains → the canonical one).
const dotInsensitive: Record<string, string> = { 'gmail.com': 'gmail.com', 'googlemail.com': 'gmail.com' };
// Providers that only drop the +tag (sub-addressing), keeping dots significant.
const plusTagged = new Set(['yandex.ru', 'ya.ru', 'outlook.com', 'hotmail.com', 'icloud.com', 'fastmail.com', 'proton.me', 'protonmail.com']);

// RFC 5322 dot-atom: atext runs joined by single dots. Non-ASCII letters and digits are atext too (RFC 6531),
// so `иван@почта.рф` is an address.
const dotAtom = /^[\p{L}\p{N}!#$%&'*+/=?^_`{|}~-]+(?:\.[\p{L}\p{N}!#$%&'*+/=?^_`{|}~-]+)*$/u;
const label = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
/** RFC 5321 §4.5.3.1: local part 64 octets, domain 255 (253 as text), a path 256 including `<>`. */
const MAX_LOCAL = 64;
const MAX_DOMAIN = 253;
const MAX_ADDRESS = 254;

const utf8Length = (text: string): number => Buffer.byteLength(text, 'utf8');

/**
 * The address inside what people paste: `Имя <a@b.ru>`, `"Last, First" <a@b.ru>`, `a@b.ru (Anna)`,
 * `mailto:a@b.ru?subject=…`, `E-mail: a@b.ru`. Undefined when the value holds several addresses.
 */
function addressPart(text: string): string | undefined {
  // Quoted display names may hold commas and `@`; they are never the address.
  const unquoted = text.replace(/"(?:[^"\\]|\\.)*"/gu, '""');
  const bracketed = [...unquoted.matchAll(/<([^<>]*)>/gu)];
  if (bracketed.length > 1) return undefined;
  let address = bracketed.length === 1 ? bracketed[0][1] : unquoted.replace(/\([^()]*\)/gu, '');
  // A label copied with the address (`E-mail: a@b.ru`, `Почта: …`, a signature, a messenger export): `:` is
  // never part of a dot-atom, so the words before it are not the address. Only before one lone token.
  address = address.trim().replace(/^(?!mailto:)\p{L}[\p{L} .\-/]{0,29}:\s*(?=[^\s:]+@[^\s:]+$)/iu, '');
  address = address.replace(/^mailto:/iu, '');
  if (/^[^?]*@[^?]*\?/u.test(address)) address = address.slice(0, address.indexOf('?'));
  if (/%[0-9a-f]{2}/iu.test(address)) {
    try {
      address = decodeURIComponent(address);
    } catch {
      // Not percent-encoding after all: checked as typed.
    }
  }
  // Prose around a single address: `a@b.ru.` at the end of a sentence, `a@b.ru,` in a list of one.
  address = address.trim().replace(/[.,;:]+$/u, '');
  return (address.match(/@/gu) ?? []).length > 1 && /[\s,;]/u.test(address) ? undefined : address;
}

function canonicalDomain(domain: string): string | undefined {
  // UTS #46 mapping: IDN to punycode, full-width and upper case folded; '' when it cannot be a host name.
  const ascii = domainToASCII(domain.replace(/\.$/u, ''));
  if (!ascii || ascii.length > MAX_DOMAIN) return undefined;
  const labels = ascii.split('.');
  if (labels.length < 2 || !labels.every((l) => label.test(l))) return undefined;
  // `a@1.2.3.4` is a host address, not a domain a person types; IP literals `[…]` are not accepted either.
  return /^\d+$/u.test(labels[labels.length - 1]) ? undefined : ascii;
}

function providerFolded(local: string, domain: string): [string, string] {
  const canonical = dotInsensitive[domain];
  let out = canonical || plusTagged.has(domain) ? local.replace(/\+.*$/u, '') : local;
  if (canonical) out = out.replace(/\./gu, '');
  return [out, canonical ?? domain];
}

/**
 * Checks and canonicalises one e-mail by the RFC 5321/5322 rules for the addresses people really use:
 * dot-atom local part (no leading, trailing or doubled dots, at most 64 octets), a domain of at least two
 * LDH labels (1–63 characters, no leading or trailing `-`, at most 253 in all, TLD not all digits), IDN
 * to punycode, everything lower-cased. Quoted local parts and IP literals are refused.
 */
export function checkEmail(input: string, options: EmailOptions = {}): CheckedEmail {
  const text = stripInvisible(input.normalize('NFKC')).replace(/\s+/gu, ' ').trim();
  if (!text) return { rejected: 'empty' };
  const address = addressPart(text);
  if (address === undefined) return { rejected: 'several_addresses' };
  const at = address.lastIndexOf('@');
  if (at < 0 || /\s/u.test(address)) return { rejected: 'no_address' };
  let local = address.slice(0, at).toLowerCase();
  if (!dotAtom.test(local)) return { rejected: 'local_part' };
  if (utf8Length(local) > MAX_LOCAL) return { rejected: 'too_long' };
  let domain = canonicalDomain(address.slice(at + 1).toLowerCase());
  if (!domain) return { rejected: 'domain' };
  if (options.providerRules) {
    [local, domain] = providerFolded(local, domain);
    if (!local) return { rejected: 'local_part' };
  }
  if (utf8Length(local) + 1 + domain.length > MAX_ADDRESS) return { rejected: 'too_long' };
  return { email: `${local}@${domain}` };
}

/** Canonical e-mail for identity matching, or undefined when the value is not one valid address. */
export function normalizeEmail(input: string, options: EmailOptions = {}): string | undefined {
  return checkEmail(input, options).email;
}
