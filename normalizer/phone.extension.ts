/**
 * Extensions and `tel:` URIs. An extension reaches an office switchboard's internal line: the CRM needs it,
 * but it is never part of the identity (the same person calls from the switchboard's main number).
 */

export interface SplitPhone {
  /** The text with the extension (and any URI scheme and parameters) removed. */
  text: string;
  extension?: string;
}

// Labels people and systems put before an extension, in Russian and English. Longer spellings first, so
// `добавочный` is not read as `доб` + letters. Not inside a word (`x` in `box` is not an extension), but right after a digit (`0000x12`) is.
const labels = [
  'добавочный', 'добавочн', 'доб', 'доп', 'внутренний', 'внутр', 'вн', 'extension', 'ext', 'ex', 'x', 'х',
].join('|');
const labelled = new RegExp(`(?<!\\p{L})(?:${labels})\\.?\\s*[:.№#]?\\s*(\\d{1,7})\\s*\\)?\\s*$`, 'iu');
// `…-67-89 (доб. 12)`: the same, wrapped in brackets.
const bracketed = new RegExp(`\\(\\s*(?:${labels})\\.?\\s*[:.]?\\s*(\\d{1,7})\\s*\\)\\s*$`, 'iu');
// `#12`, `, 12`, `; 12` (a dialler's pause), after the number's last digit or bracket.
const punctuated = /(?<=[\d)])\s*(?:#|,|;)\s*(\d{1,7})\s*$/u;

const uriScheme = /^(?:tel|callto|phone):(?:\/\/)?/iu;

function percentDecoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * `tel:+7-495-123-45-67;ext=123;phone-context=example.ru` (RFC 3966) → the number and `123`. Other
 * parameters (`isub`, `phone-context`) carry nothing for identity and are dropped. Not a URI → undefined.
 */
export function splitTelUri(text: string): SplitPhone | undefined {
  const scheme = uriScheme.exec(text);
  // `tel: 8 912…` with a space is a label someone typed, not a URI; it is handled as text.
  if (!scheme || /^\s/.test(text.slice(scheme[0].length))) return undefined;
  const [number = '', ...params] = percentDecoded(text.slice(scheme[0].length)).split(';');
  let extension: string | undefined;
  for (const param of params) {
    const m = /^ext=(\d{1,7})$/iu.exec(param.trim());
    if (m) extension = m[1];
  }
  return { text: number.trim(), ...(extension ? { extension } : {}) };
}

/** Cuts a trailing extension in any of its spellings; the number part must remain. */
export function splitExtension(text: string): SplitPhone {
  for (const pattern of [bracketed, labelled, punctuated]) {
    const m = pattern.exec(text);
    if (m && m.index > 0 && /\d/.test(text.slice(0, m.index))) return { text: text.slice(0, m.index).trim(), extension: m[1] };
  }
  return { text };
}
