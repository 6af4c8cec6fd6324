/**
 * One place that turns a provider's time into ISO-8601. Providers disagree on units: Mango and Sipuni send
 * unix seconds, Beeline and MTS milliseconds, Telphin microseconds, Zadarma a local "YYYY-MM-DD HH:MM:SS".
 */

// Magnitude bounds: a unix time in seconds stays below 1e11 until the year 5138, one in milliseconds below
// 1e14, in microseconds below 1e17. Below 1e8 (1973) nothing is a plausible call time, so it is refused.
const MIN_SECONDS = 1e8;
const MAX_SECONDS = 1e11;
const MAX_MILLIS = 1e14;
const MAX_MICROS = 1e17;

/** Epoch milliseconds for a numeric time in s, ms or µs, detected by magnitude; undefined for 0 or nonsense. */
export function epochMillis(value: number): number | undefined {
  if (!Number.isFinite(value) || value <= 0) return undefined;
  if (value < MIN_SECONDS) return undefined;
  if (value < MAX_SECONDS) return Math.round(value * 1000);
  if (value < MAX_MILLIS) return Math.round(value);
  if (value < MAX_MICROS) return Math.round(value / 1000);
  return undefined;
}

const localPattern = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?$/;
const offsetPattern = /^([+-])(\d{2}):?(\d{2})$/;

// Building an Intl.DateTimeFormat costs far more than formatting with one; a few zones serve every call.
const formats = new Map<string, Intl.DateTimeFormat>();

function wallClockFormat(timeZone: string): Intl.DateTimeFormat {
  let format = formats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    formats.set(timeZone, format);
  }
  return format;
}

/** Minutes east of UTC that `timeZone` (IANA name or `+03:00`) has at the UTC instant `utcMillis`. */
export function zoneOffsetMinutes(timeZone: string, utcMillis: number): number {
  const fixed = offsetPattern.exec(timeZone);
  if (fixed) return (fixed[1] === '-' ? -1 : 1) * (Number(fixed[2]) * 60 + Number(fixed[3]));
  if (timeZone === 'UTC' || timeZone === 'Z') return 0;
  const parts = wallClockFormat(timeZone).formatToParts(new Date(utcMillis));
  const get = (type: string): number => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return Math.round((asUtc - Math.floor(utcMillis / 1000) * 1000) / 60000);
}

/**
 * ISO-8601 (UTC, `…Z`) for a provider time: a number or numeric string in s/ms/µs, an ISO string with a
 * zone, or a local wall-clock string read in `timeZone` (default UTC). Undefined when absent, 0 or unreadable,
 * because providers use 0 for "never happened" (Mango `talk_time`).
 */
export function toIsoTime(value: unknown, timeZone = 'UTC'): string | undefined {
  if (typeof value === 'number') {
    const ms = epochMillis(value);
    return ms === undefined ? undefined : new Date(ms).toISOString();
  }
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  if (text === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return toIsoTime(Number(text), timeZone);
  const local = localPattern.exec(text);
  if (local) {
    const [, y, mo, d, h, mi, s = '0', frac = '0'] = local;
    const wall = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), Math.round(Number(`0.${frac}`) * 1000));
    // The offset at the wall time read as UTC is right except within hours of a DST switch; a second pass fixes those.
    let utc = wall - zoneOffsetMinutes(timeZone, wall) * 60000;
    utc = wall - zoneOffsetMinutes(timeZone, utc) * 60000;
    return Number.isFinite(utc) ? new Date(utc).toISOString() : undefined;
  }
  // Only strings that carry their own zone are trusted to Date.parse; anything else would be read in server time.
  if (!/(Z|[+-]\d{2}:?\d{2})$/i.test(text)) return undefined;
  const parsed = Date.parse(text);
  return Number.isNaN(parsed) ? undefined : new Date(parsed).toISOString();
}

/** Whole seconds between two ISO times, or undefined when either is missing or the order is wrong. */
export function secondsBetween(from: string | undefined, to: string | undefined): number | undefined {
  if (!from || !to) return undefined;
  const diff = (Date.parse(to) - Date.parse(from)) / 1000;
  return Number.isFinite(diff) && diff >= 0 ? Math.round(diff) : undefined;
}
