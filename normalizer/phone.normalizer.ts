import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';

export interface NormalizedPhone {
  /** E.164 form when the number is valid; only then is it used as an identity. */
  e164?: string;
  raw: string;
  extension?: string;
}

export interface PhoneOptions {
  /** Region for numbers typed without a country code (`8 912 …`, `912 …`). */
  defaultRegion: string;
  /** Letters of a vanity number (`8-800-FLOWERS`) become their keypad digits. */
  vanity?: boolean;
  /** When false, a number without `+`/country code is only tried as international digits. */
  assumeDefaultRegion?: boolean;
}

const keypad: Record<string, string> = { a: '2', b: '2', c: '2', d: '3', e: '3', f: '3', g: '4', h: '4', i: '4', j: '5', k: '5', l: '5', m: '6', n: '6', o: '6', p: '7', q: '7', r: '7', s: '7', t: '8', u: '8', v: '8', w: '9', x: '9', y: '9', z: '9' };

// People write extensions many ways; the E.164 identity never includes one, the CRM still gets it.
const extensionPattern = /\s*(?:,|;|#|\bext\.?|\bextension|\bx|доб\.?|добавочный)\s*(\d{1,7})\s*$/iu;
// Only a string made of phone punctuation and Latin letters is a vanity number; prose is not rewritten.
const vanityShape = /^[+\d\s().\-A-Za-z]+$/;

/**
 * Turns a phone as people type it into E.164. Tries the default region first (so a Russian `8 (912) …`
 * or a bare `912…` resolves), then the digits as an international number (`79123456789` without the
 * plus). A number that is not valid either way stays raw and is never an identity.
 */
export function normalizePhone(input: string, options: PhoneOptions | string): NormalizedPhone {
  const opts: PhoneOptions = typeof options === 'string' ? { defaultRegion: options } : options;
  const raw = input.trim();
  let text = raw;
  let extension: string | undefined;
  const ext = extensionPattern.exec(text);
  if (ext && ext.index > 0) {
    extension = ext[1];
    text = text.slice(0, ext.index);
  }
  if (/[a-z]/i.test(text) && vanityShape.test(text) && (opts.vanity ?? true)) {
    text = text.replace(/[a-z]/gi, (c) => keypad[c.toLowerCase()]);
  }
  const digits = text.replace(/\D/g, '');
  if (digits.length < 5 || digits.length > 18 || /[^\d\s().+\-/]/.test(text)) return { raw };
  const national = opts.assumeDefaultRegion === false && !text.startsWith('+') ? undefined : parsePhoneNumberFromString(text, opts.defaultRegion as CountryCode);
  // The digits as an international number only when they cannot be a national one: otherwise a RU
  // `8 (000) …` that is invalid would come back as the +800 freephone range.
  const international = !text.startsWith('+') && (/^\s*00/.test(text) || !national?.isPossible()) ? parsePhoneNumberFromString(`+${text.replace(/^\s*00/, '')}`) : undefined;
  for (const parsed of [national, international]) {
    if (parsed?.isValid()) {
      const found = extension ?? parsed.ext;
      return { e164: parsed.number, raw, ...(found ? { extension: found } : {}) };
    }
  }
  return { raw };
}
