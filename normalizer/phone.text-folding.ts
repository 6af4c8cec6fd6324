import { stripInvisible } from './text.folding.js';

/**
 * Unicode folding for phone numbers as they arrive from browsers, messengers and spreadsheets: copied text
 * carries bidi marks, zero-width joiners, soft hyphens, narrow no-break spaces and typographic dashes that
 * a person never sees, and full-width digits from East Asian keyboards. None of them may decide whether a
 * value is a phone.
 */

// Hyphen, non-breaking hyphen, figure dash, en/em dash, horizontal bar, minus sign, small/full-width hyphen-minus.
const dashes = /[\u2010-\u2015\u2212\u2043\uFE58\uFE63\uFF0D]/gu;
// Any separator space (NBSP, narrow NBSP, thin, figure, ideographic…) and line breaks/tabs.
const spaces = /[\p{Zs}\t\r\n\v\f\u2028\u2029]+/gu;
// Decimal digits of other scripts that NFKC leaves alone (Arabic-Indic, Persian, Devanagari).
const digitBlocks = [0x0660, 0x06f0, 0x0966];

function asciiDigits(text: string): string {
  return text.replace(/\p{Nd}/gu, (d) => {
    const cp = d.codePointAt(0) ?? 0;
    const zero = digitBlocks.find((z) => cp >= z && cp <= z + 9);
    return zero === undefined ? d : String(cp - zero);
  });
}

/**
 * NFKC first (full-width `＋７` → `+7`, `﹢` → `+`), then invisible characters removed, every dash made `-`,
 * every kind of space one ASCII space, other scripts' digits ASCII. Trimmed.
 */
export function foldPhoneText(input: string): string {
  return asciiDigits(stripInvisible(input.normalize('NFKC')).replace(dashes, '-').replace(spaces, ' ')).trim();
}
