/**
 * Unicode folding for phone numbers as they arrive from browsers, messengers and spreadsheets: copied text
 * carries bidi marks, zero-width joiners, soft hyphens, narrow no-break spaces and typographic dashes that
 * a person never sees, and full-width digits from East Asian keyboards. None of them may decide whether a
 * value is a phone.
 */

// Zero-width space/joiners, word joiner, BOM, soft hyphen, Mongolian vowel separator, and every bidi
// control (LRM/RLM, ALM, embeddings/overrides, isolates): invisible, so never meaningful in a number.
const invisible = /[\u00AD\u061C\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]/gu;
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
  return asciiDigits(input.normalize('NFKC').replace(invisible, '').replace(dashes, '-').replace(spaces, ' ')).trim();
}
