import { domainToASCII } from 'node:url';

const shape = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export interface EmailOptions {
  /**
   * Provider rules: Gmail ignores dots and `+tags` in the local part, so `J.Doe+ads@googlemail.com` is
   * `jdoe@gmail.com`. Off by default: the address as typed is the identity unless an operator opts in.
   */
  providerRules?: boolean;
}

// Providers whose mailbox ignores dots and +tags (and their alias domains → the canonical one).
const dotInsensitive: Record<string, string> = { 'gmail.com': 'gmail.com', 'googlemail.com': 'gmail.com' };
// Providers that only drop the +tag (sub-addressing), keeping dots significant.
const plusTagged = new Set(['yandex.ru', 'ya.ru', 'outlook.com', 'hotmail.com', 'icloud.com', 'fastmail.com', 'proton.me', 'protonmail.com']);

/**
 * Canonical e-mail for identity matching: trimmed, lower-cased, IDN domain as punycode, angle brackets
 * and a display name (`Anna <a@x.ru>`) removed. Returns undefined when it is not an address.
 */
export function normalizeEmail(input: string, options: EmailOptions = {}): string | undefined {
  let text = input.trim();
  const bracketed = /<([^>]+)>/.exec(text);
  if (bracketed) text = bracketed[1].trim();
  text = text.replace(/^mailto:/i, '');
  if (!shape.test(text)) return undefined;
  const at = text.lastIndexOf('@');
  let local = text.slice(0, at).toLowerCase();
  let domain = domainToASCII(text.slice(at + 1).toLowerCase().replace(/\.$/, ''));
  if (!domain) return undefined;
  if (options.providerRules) {
    const canonical = dotInsensitive[domain];
    if (canonical || plusTagged.has(domain)) local = local.replace(/\+.*$/, '');
    if (canonical) {
      local = local.replace(/\./g, '');
      domain = canonical;
    }
    if (!local) return undefined;
  }
  return `${local}@${domain}`;
}
