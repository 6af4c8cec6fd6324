import { maskPii } from './logger.js';

/** Keys whose value is a person's name: masked whatever it looks like (a name has no pattern to find). */
const nameKey = /^(name|full_?name|first_?name|last_?name|middle_?name|fio|contact_?name|display_?name|username)$/i;

/**
 * A copy of a stored document (a dead letter's record or the CRM's answer) fit for a read-only viewer:
 * phones and e-mails masked in every string like the logs do (`maskPii`), names kept to their first letter.
 * Unlike the log masking it walks the whole document, so nothing deep comes out unmasked or turned to text.
 */
export function maskPersonalData<T>(value: T): T {
  return walk(value, undefined) as T;
}

function walk(value: unknown, key: string | undefined): unknown {
  if (typeof value === 'string') return key !== undefined && nameKey.test(key) && value !== '' ? `${value.slice(0, 1)}***` : maskPii(value);
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => walk(v, key));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = walk(v, k);
  return out;
}
