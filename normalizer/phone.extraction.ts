/**
 * Finds the one phone number in a value as people type it: with a label (`тел:`, `моб.`, `phone:`), a name
 * before or after, a spreadsheet's apostrophe or `.0`, quotes or brackets around it. A value that holds two
 * numbers, or whose words say it is something else (an order, an INN, a card, a date), yields no number:
 * guessing there would hand one person's identity to another.
 */

/** Why a value is not a phone identity; kept with the raw text for the CRM and for tests. */
export type PhoneRejection = 'empty' | 'no_number' | 'several_numbers' | 'not_a_phone' | 'too_long' | 'invalid';

/**
 * `candidates`: with `several_numbers`, the numbers' texts when nothing around them says they are something
 * else; the caller may accept them as one when they all parse to the same number (written twice).
 */
export type Extracted = { kind: 'number'; text: string } | { kind: 'rejected'; reason: PhoneRejection; candidates?: string[] };

/** E.164 allows at most 15 digits; a longer run is two numbers written together, a card or an account. */
const MAX_DIGITS = 15;
/** Fewer digits than any subscriber number with its area code: a flat, a floor, a bit of an address. */
const MIN_DIGITS = 5;

// A run of digits with the punctuation numbers are written with; `:` is not in it, so times split off.
const run = /(?:\+\s*)?\(?\d(?:[\d\s().\-/]*\d)?\)?/gu;
// Words around a number that make it something other than a phone (Russian and English, whole words).
// NFKC has already made `№` into `No`.
const notAPhone = /(?<!\p{L})(?:заказ[а-я]{0,2}|order|инн|inn|огрн|огрнип|кпп|бик|bic|iban|swift|сч[её]т[а-я]{0,2}|invoice|карт[аыу]|картой|card|паспорт[а-я]{0,2}|passport|снилс|дата|date|id|артикул|sku|no|№)(?!\p{L})/iu;
const dateRun = /^(?:(\d{1,2})[./-](\d{1,2})[./-](\d{2}|\d{4})|(\d{4})[./-](\d{1,2})[./-](\d{1,2}))(?:\s|$)/u;

function digitCount(text: string): number {
  return text.replace(/\D/g, '').length;
}

function isDate(text: string): boolean {
  const m = dateRun.exec(text);
  if (!m) return false;
  const [a, b] = m[1] ? [Number(m[1]), Number(m[2])] : [Number(m[6]), Number(m[5])];
  const dayMonth = (day: number, month: number): boolean => day >= 1 && day <= 31 && month >= 1 && month <= 12;
  // 15.06.2024 (day first) and 06/15/2024 (US, month first) are both dates.
  return dayMonth(a, b) || dayMonth(b, a);
}

/**
 * A spreadsheet's renderings of a number cell: `79123456789.0` (a float column) and `7,9123456789E+10`
 * (scientific). Scientific notation is expanded only when no digit was lost: `7,91235E+10` is refused.
 */
function spreadsheetCell(text: string): string | { lost: true } {
  const float = /^(\+?\d{5,})\.0+$/u.exec(text);
  if (float) return float[1];
  const sci = /^(\+?)(\d)[.,](\d+)E\+?(\d{1,2})$/iu.exec(text);
  if (!sci) return text;
  const [, plus, lead, fraction, exponent] = sci;
  const exp = Number(exponent);
  if (fraction.length < exp || /[1-9]/.test(fraction.slice(exp))) return { lost: true };
  return `${plus}${lead}${fraction.slice(0, exp)}`;
}

/** The number's text inside `text` (already Unicode-folded, extension cut), or why there is none. */
export function extractNumber(input: string): Extracted {
  const cell = spreadsheetCell(input.replace(/^['=]+|^"|"$/gu, '').trim());
  if (typeof cell !== 'string') return { kind: 'rejected', reason: 'not_a_phone' };
  const text = cell;
  if (!text) return { kind: 'rejected', reason: 'empty' };
  const runs = [...text.matchAll(run)].map((m) => ({ text: m[0], index: m.index }));
  const numbers = runs.filter((r) => digitCount(r.text) >= MIN_DIGITS);
  if (numbers.length === 0) return { kind: 'rejected', reason: 'no_number' };
  if (numbers.length > 1) {
    let rest = text;
    for (const n of numbers) rest = rest.replace(n.text, ' ');
    const plain = !notAPhone.test(rest) && !/#/u.test(rest) && numbers.every((n) => !isDate(n.text) && digitCount(n.text) <= MAX_DIGITS);
    return { kind: 'rejected', reason: 'several_numbers', ...(plain ? { candidates: numbers.map((n) => n.text.trim()) } : {}) };
  }
  const [number] = numbers;
  const around = text.slice(0, number.index) + ' ' + text.slice(number.index + number.text.length);
  if (notAPhone.test(around) || /#\s*$/u.test(text.slice(0, number.index)) || isDate(number.text)) return { kind: 'rejected', reason: 'not_a_phone' };
  if (digitCount(number.text) > MAX_DIGITS) return { kind: 'rejected', reason: 'too_long' };
  return { kind: 'number', text: number.text.trim() };
}
