/**
 * The one place where text entering Leadgate is made safe (docs/text-safety.md):
 *
 * - Well-formed Unicode only. PostgreSQL (and PGlite) refuse a JSON document holding a NUL (`\u0000`) or a
 *   lone UTF-16 surrogate; one such value used to be acknowledged and then refused by the store forever.
 * - HTTP requests carrying either are refused (422, `reason: invalid_text`, the field's path) because
 *   silently altering a lead the sender can correct is worse than telling them. Sources nobody can answer
 *   (IMAP, Telegram polling) get the value repaired instead: lone surrogates become U+FFFD, NUL is dropped,
 *   and the event is flagged `text_repaired`.
 * - Every cut of user text is on a grapheme boundary ({@link truncateText}), so an emoji, a flag or a letter
 *   with its accents is never split.
 */

/** Why a string is refused: a NUL character or a UTF-16 surrogate without its partner. */
export type UnsafeTextReason = 'nul' | 'lone_surrogate';

/** The first unsafe string inside a value: `path` names the field (`payload.contact.name`, `payload.<key>`). */
export interface UnsafeText {
  path: string;
  reason: UnsafeTextReason;
  /** Whether the key itself (not its value) is the unsafe string. */
  inKey: boolean;
}

/** Flag added to `meta.flags` of an event whose text had to be repaired. */
export const TEXT_REPAIRED_FLAG = 'text_repaired';

const REPLACEMENT = '\ufffd';
/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Why `text` is unsafe, or undefined when it is well-formed Unicode without NUL. */
export function unsafeTextReason(text: string): UnsafeTextReason | undefined {
  if (text.includes('\u0000')) return 'nul';
  LONE_SURROGATE.lastIndex = 0;
  return LONE_SURROGATE.test(text) ? 'lone_surrogate' : undefined;
}

/** The repair rule for sources that cannot be answered: lone surrogates → U+FFFD, NUL removed. */
export function repairText(text: string): string {
  if (unsafeTextReason(text) === undefined) return text;
  return text.replace(LONE_SURROGATE, REPLACEMENT).replaceAll('\u0000', '');
}

function childPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  return /^[A-Za-z_$][\w$]*$/.test(key) ? (parent ? `${parent}.${key}` : key) : `${parent}[${JSON.stringify(repairText(key))}]`;
}

/** Finds the first unsafe key or string in a JSON-like value, depth first; undefined when all are safe. */
export function findUnsafeText(value: unknown, path = ''): UnsafeText | undefined {
  if (typeof value === 'string') {
    const reason = unsafeTextReason(value);
    return reason ? { path: path || '(value)', reason, inKey: false } : undefined;
  }
  if (value === null || typeof value !== 'object') return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findUnsafeText(value[i], childPath(path, i));
      if (found) return found;
    }
    return undefined;
  }
  for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
    const keyReason = unsafeTextReason(key);
    if (keyReason) return { path: childPath(path, key), reason: keyReason, inKey: true };
    const found = findUnsafeText(child, childPath(path, key));
    if (found) return found;
  }
  return undefined;
}

/** A copy of a JSON-like value with every key and string repaired; the same value when nothing needed it. */
export function repairDeep<T>(value: T): T {
  if (typeof value === 'string') return repairText(value) as T;
  if (value === null || typeof value !== 'object' || findUnsafeText(value) === undefined) return value;
  if (Array.isArray(value)) return value.map((v: unknown) => repairDeep(v)) as T;
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value as Record<string, unknown>)) out[repairText(key)] = repairDeep(child);
  return out as T;
}

const graphemes = new Intl.Segmenter('und', { granularity: 'grapheme' });

/**
 * Cuts `text` to at most `maxLength` UTF-16 code units (the unit of `String.length`, which never exceeds
 * the code-point count JSON Schema's `maxLength` checks) on a grapheme boundary. A single grapheme longer
 * than the whole budget (a letter under thousands of combining marks) is cut on a code-point boundary
 * instead, so the result is never empty for non-empty input and never holds half a surrogate pair.
 */
export function truncateText(text: string, maxLength: number): string {
  if (text.length <= maxLength) return text;
  if (maxLength <= 0) return '';
  let end = 0;
  for (const { index, segment } of graphemes.segment(text)) {
    if (index + segment.length > maxLength) break;
    end = index + segment.length;
  }
  if (end > 0) return text.slice(0, end);
  const high = text.charCodeAt(maxLength - 1);
  return text.slice(0, high >= 0xd800 && high <= 0xdbff ? maxLength - 1 : maxLength);
}
