import { parsePhoneNumberFromString, type CountryCode, type PhoneNumber } from 'libphonenumber-js/max';
import { splitExtension, splitTelUri } from './phone.extension.js';
import { extractNumber, type PhoneRejection } from './phone.extraction.js';
import { foldPhoneText } from './phone.text-folding.js';

export type { PhoneRejection } from './phone.extraction.js';

export interface NormalizedPhone {
  /** E.164 form when the number is valid; only then is it used as an identity. */
  e164?: string;
  raw: string;
  extension?: string;
  /** Why there is no `e164`: the value stays raw text for the CRM and is never matched on. */
  rejected?: PhoneRejection;
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
// A vanity number starts with digits and spells the rest in Latin letters: `+1 800 FLOWERS`, `8-800-GO-TAXI`.
const vanityShape = /^\+?[\d\s().-]*\d[\d\s().-]*[A-Za-z][A-Za-z\d\s().-]*$/u;

function parse(text: string, opts: PhoneOptions): PhoneNumber | undefined {
  // `+49 (0)30 …`: the trunk zero in brackets is written for callers inside the country; it is not dialled from abroad.
  const number = text.replace(/^(\+\s*\d{1,3}[\s-]*)\(0\)/u, '$1');
  const plus = number.startsWith('+');
  const national = opts.assumeDefaultRegion === false && !plus ? undefined : parsePhoneNumberFromString(number, opts.defaultRegion as CountryCode);
  // The digits as an international number only when they cannot be a national one: otherwise a RU
  // `8 (000) …` that is invalid would come back as the +800 freephone range.
  const international = !plus && (/^00/.test(number) || !national?.isPossible()) ? parsePhoneNumberFromString(`+${number.replace(/^00/, '')}`) : undefined;
  return [national, international].find((p) => p?.isValid());
}

function vanityDigits(text: string): string | undefined {
  if (!vanityShape.test(text)) return undefined;
  const letters = text.replace(/[^A-Za-z]/g, '').length;
  // A word or two of letters, not a name or a sentence glued to a number.
  return letters >= 2 && letters <= 10 ? text.replace(/[a-z]/gi, (c) => keypad[c.toLowerCase()]) : undefined;
}

/** `+7 912 … , 8 (912) …`: one number copied twice (a form's confirmation field, a pasted signature) is that number. */
function sameNumberWrittenTwice(candidates: string[] | undefined, opts: PhoneOptions): PhoneNumber | undefined {
  if (!candidates) return undefined;
  const parsed = candidates.map((c) => parse(c, opts));
  const [first] = parsed;
  return first && parsed.every((p) => p?.number === first.number) ? first : undefined;
}

/**
 * Turns a phone as people type it into E.164: Unicode folded, a `tel:` URI unwrapped, the extension cut
 * off, the one number found in the surrounding text, then parsed in the default region first (so a Russian
 * `8 (912) …` or a bare `912…` resolves) and as international digits (`79123456789` without the plus).
 * Validity is libphonenumber's `max` metadata. Anything else stays raw and is never an identity.
 */
export function normalizePhone(input: string, options: PhoneOptions | string): NormalizedPhone {
  const opts: PhoneOptions = typeof options === 'string' ? { defaultRegion: options } : options;
  const raw = input.trim();
  const folded = foldPhoneText(raw);
  const split = splitTelUri(folded) ?? splitExtension(folded);
  const rejected = (reason: PhoneRejection): NormalizedPhone => ({ raw, rejected: reason });
  const extracted = extractNumber(split.text);
  let parsed = extracted.kind === 'number' ? parse(extracted.text, opts) : sameNumberWrittenTwice(extracted.candidates, opts);
  // Letters are only read as keypad digits when the plain reading found no valid number.
  const vanityTried = !parsed && (opts.vanity ?? true) && (extracted.kind === 'number' || extracted.reason === 'no_number');
  if (vanityTried) {
    const digits = vanityDigits(split.text);
    if (digits) parsed = parse(digits, opts);
  }
  if (!parsed) return rejected(extracted.kind === 'rejected' ? extracted.reason : 'invalid');
  const extension = split.extension ?? parsed.ext;
  return { e164: parsed.number, raw, ...(extension ? { extension } : {}) };
}
