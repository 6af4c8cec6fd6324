import type { DeadLetter } from '../contracts/delivery.js';
import { Topics } from '../contracts/topics.js';
import type { Bus } from './bus/bus.port.js';
import { classifyFailure } from './bus/failure-class.js';

// Lone surrogates and NUL: what PostgreSQL's jsonb refuses (22P02, 22P05) once JSON.stringify escaped them.
const UNSTORABLE = /[\u0000\uD800-\uDBFF\uDC00-\uDFFF]/;
const UNSTORABLE_ALL = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

function storableString(s: string): string {
  return UNSTORABLE.test(s) ? s.replace(UNSTORABLE_ALL, '\uFFFD') : s;
}

/** A deep copy whose strings (keys included) the store accepts; the letter says it was altered. */
export function storableCopy(value: unknown): unknown {
  if (typeof value === 'string') return storableString(value);
  if (Array.isArray(value)) return value.map(storableCopy);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [storableString(k), storableCopy(v)]));
  }
  return value;
}

/**
 * Parks a record on the dead-letter topic with the reason. The caller resolves its handler only after
 * this resolved, so a record is either processed, retried, or on the DLQ: never dropped.
 *
 * The record that poisoned a consumer may be one the bus cannot store either (the embedded log keeps
 * values as jsonb): if the bus refuses the letter for its content, it is published again with a storable
 * copy of the record and `recordAltered: true`, instead of turning the DLQ publish into a new stall.
 */
export async function deadLetter(bus: Bus, letter: Omit<DeadLetter, 'v' | 'failedAt'>): Promise<void> {
  const value: DeadLetter = { v: 1, failedAt: new Date().toISOString(), ...letter, key: storableString(letter.key) };
  const headers = { stage: letter.stage, code: letter.code };
  try {
    await bus.publish(Topics.dlq, value.key, value, headers);
  } catch (err) {
    if (classifyFailure(err).kind !== 'permanent') throw err;
    const safe: DeadLetter = { ...value, reason: storableString(value.reason), record: storableCopy(value.record), recordAltered: true };
    await bus.publish(Topics.dlq, value.key, safe, headers);
  }
}
