import { LeadgateError } from '../../contracts/errors.js';
import { FILES_KEY, roleOf, textRoles } from './forms.fields.js';

/** Mirrors `flattenPayload`'s depth cap: deeper objects would be dropped unseen, so they are refused. */
const MAX_OBJECT_DEPTH = 3;

/** RFC 6901: `~` and `/` inside a key are escaped so the pointer names exactly one field. */
const pointerPart = (key: string): string => key.replace(/~/g, '~0').replace(/\//g, '~1');

const isScalar = (v: unknown): boolean => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' || v === null;

const kindOf = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

interface TypeError {
  pointer: string;
  expected: string;
  got: string;
}

function check(value: unknown, key: string, pointer: string, depth: number): TypeError | undefined {
  const role = roleOf(key);
  if (role && textRoles.has(role)) {
    // One text is expected; `null` reads as absent, a number as its digits (documented coercions).
    return isScalar(value) ? undefined : { pointer, expected: 'string', got: kindOf(value) };
  }
  if (isScalar(value)) return undefined;
  if (Array.isArray(value)) {
    const bad = value.findIndex((v) => !isScalar(v));
    return bad === -1 ? undefined : { pointer: `${pointer}/${bad}`, expected: 'string', got: kindOf(value[bad]) };
  }
  if (depth >= MAX_OBJECT_DEPTH) return { pointer, expected: 'string', got: 'object' };
  return firstTypeError(value as Record<string, unknown>, pointer, depth + 1);
}

function firstTypeError(obj: Record<string, unknown>, prefix: string, depth: number): TypeError | undefined {
  for (const [key, value] of Object.entries(obj)) {
    if (depth === 0 && key === FILES_KEY) continue;
    const found = check(value, key, `${prefix}/${pointerPart(key)}`, depth);
    if (found) return found;
  }
  return undefined;
}

/**
 * Refuses a JSON form body whose values the mapper would otherwise have to drop: an object or array where
 * one text is expected (name, form id, UTM, click id, …), an object inside an array, or objects nested
 * deeper than the mapper reads. The answer is 422 `VALIDATION_FAILED` with `details.reason = wrong_type`
 * and the RFC 6901 `pointer` of the first offending value, so the sender learns which field is broken.
 * Coercions that are accepted: numbers and booleans become their text, `null` is an absent field, an
 * array of texts under a phone, e-mail, message or unknown key is several values.
 */
export function assertJsonFieldTypes(fields: Record<string, unknown>): void {
  const found = firstTypeError(fields, '', 0);
  if (!found) return;
  throw new LeadgateError('VALIDATION_FAILED', `Field ${found.pointer} must be a ${found.expected}, got ${found.got}`, {
    details: { reason: 'wrong_type', pointer: found.pointer, expected: found.expected, got: found.got },
  });
}
