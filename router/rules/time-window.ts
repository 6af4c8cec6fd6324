import { LeadgateError } from '../../contracts/errors.js';
import { weekdays, type TimeWindow, type Weekday, type WorkingHours } from './routing.config.js';

export interface LocalTime {
  day: Weekday;
  /** Minutes since local midnight. */
  minutes: number;
}

// Building a DateTimeFormat costs far more than formatting with one; the zones in a config are few.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timezone: string): Intl.DateTimeFormat {
  let f = formatters.get(timezone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: timezone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    formatters.set(timezone, f);
  }
  return f;
}

/** Throws CONFIG_INVALID for a zone the runtime's ICU does not know, so a config typo fails at start. */
export function assertTimezone(timezone: string): void {
  try {
    formatterFor(timezone);
  } catch (err) {
    throw new LeadgateError('CONFIG_INVALID', `unknown timezone "${timezone}" (use an IANA name such as Europe/Moscow)`, { cause: err });
  }
}

/** Weekday and minute of the day of `at` in `timezone` (the zone's own DST rules, via Intl). */
export function localTime(at: Date, timezone: string): LocalTime {
  const parts = formatterFor(timezone).formatToParts(at);
  const get = (type: string): string => parts.find((p) => p.type === type)?.value ?? '';
  const day = get('weekday').slice(0, 3).toLowerCase() as Weekday;
  return { day, minutes: Number(get('hour')) * 60 + Number(get('minute')) };
}

function toMinutes(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return h * 60 + m;
}

function previousDay(day: Weekday): Weekday {
  return weekdays[(weekdays.indexOf(day) + 6) % 7];
}

/** Whether a local time falls in the window; a window with `to` ≤ `from` spills past midnight into the next day. */
export function inWindow(time: LocalTime, window: TimeWindow): boolean {
  const from = toMinutes(window.from);
  const to = toMinutes(window.to);
  if (from < to) return window.days.includes(time.day) && time.minutes >= from && time.minutes < to;
  return (window.days.includes(time.day) && time.minutes >= from) || (window.days.includes(previousDay(time.day)) && time.minutes < to);
}

export function withinHours(at: Date, hours: WorkingHours): boolean {
  const time = localTime(at, hours.timezone);
  return hours.windows.some((w) => inWindow(time, w));
}
