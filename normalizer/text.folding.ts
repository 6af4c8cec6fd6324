/**
 * Characters nobody sees but copy-paste carries: text copied from messengers, PDFs and web pages brings
 * bidi marks, zero-width joiners and soft hyphens along. They must never decide whether two phones or two
 * e-mails are the same, so every identity value loses them first.
 */

// Soft hyphen, Arabic letter mark, Mongolian vowel separator, zero-width space/joiners, LRM/RLM, bidi
// embeddings and overrides, word joiner and invisible operators, bidi isolates, BOM.
const invisible = /[\u00AD\u061C\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]/gu;

/** `text` without any invisible formatting character. */
export function stripInvisible(text: string): string {
  return text.replace(invisible, '');
}
