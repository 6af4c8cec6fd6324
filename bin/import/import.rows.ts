import type { ImportPayload } from '../../connectors/import/import.connector.js';
import { channels, type Channel } from '../../contracts/raw-event.js';
import type { SourceRecord } from './import.reader.js';

/** Where a column goes. Anything not listed (and not mapped with `--map`) is kept as a custom field. */
export type ImportTarget = 'phone' | 'email' | 'name' | 'channel' | 'time' | 'subject' | 'message' | 'tags' | 'form' | 'page' | 'campaign' | 'source' | 'skip';

/**
 * Header names recognised without `--map` (compared lower-cased, with spaces and dashes as `_`). Several
 * phone or e-mail columns are all read (`phone`, `phone2`, `mobile`). `source` becomes `utm_source` unless
 * the file has that column too; `utm_*` and click-id columns stay fields and end up in the lead's source.
 */
const aliases: Record<string, ImportTarget> = {};
const alias = (target: ImportTarget, names: string[]): void => names.forEach((n) => (aliases[n] = target));
alias('phone', ['phone', 'phones', 'telephone', 'tel', 'mobile', 'phone_number', 'телефон', 'тел', 'мобильный']);
alias('email', ['email', 'emails', 'e_mail', 'mail', 'email_address', 'почта', 'эл_почта']);
alias('name', ['name', 'full_name', 'fio', 'contact', 'client', 'фио', 'имя', 'клиент']);
alias('channel', ['channel', 'канал']);
alias('time', ['time', 'date', 'datetime', 'timestamp', 'created', 'created_at', 'occurred_at', 'submitted_at', 'дата', 'время', 'дата_создания']);
alias('subject', ['subject', 'тема']);
alias('message', ['message', 'comment', 'text', 'note', 'сообщение', 'комментарий']);
alias('tags', ['tags', 'теги']);
alias('form', ['form', 'form_name', 'форма']);
alias('page', ['page', 'url', 'landing', 'страница']);
alias('campaign', ['campaign', 'кампания']);
alias('source', ['source', 'источник']);

const headerKey = (h: string): string => h.trim().toLowerCase().replace(/[\s-]+/g, '_');

export function targetOf(header: string, overrides: Readonly<Record<string, ImportTarget>> = {}): ImportTarget | undefined {
  const key = headerKey(header);
  const own = Object.hasOwn(overrides, key) ? overrides[key] : undefined;
  if (own) return own;
  if (Object.hasOwn(aliases, key)) return aliases[key];
  // `phone2`, `phone_work`, `email_2`: numbered or qualified contact columns.
  const base = key.replace(/(_?\d+|_(work|home|mobile|personal|рабочий|домашний))$/, '');
  return base !== key && Object.hasOwn(aliases, base) && (aliases[base] === 'phone' || aliases[base] === 'email') ? aliases[base] : undefined;
}

export interface ImportOptions {
  defaultChannel: Channel;
  /** Offset for times written without one (`2025-03-01 10:00`), e.g. `+03:00`; default `Z`. */
  utcOffset: string;
  overrides?: Readonly<Record<string, ImportTarget>>;
}

export type RowResult = { ok: true; line: number; channel: Channel; payload: ImportPayload; at: number } | { ok: false; line: number; reason: string };

const cellText = (v: unknown): string[] => {
  if (Array.isArray(v)) return v.flatMap(cellText);
  if (typeof v === 'number' || typeof v === 'boolean') return [String(v)];
  return typeof v === 'string' && v.trim() !== '' ? [v.trim()] : [];
};

/**
 * Times as spreadsheets and CRMs export them: ISO-8601, `YYYY-MM-DD HH:MM[:SS]`, `DD.MM.YYYY[ HH:MM[:SS]]`,
 * Unix seconds or milliseconds. A time without an offset takes `utcOffset`.
 */
export function parseImportTime(text: string, utcOffset = 'Z'): number | undefined {
  const t = text.trim();
  if (/^\d{9,10}$/.test(t)) return Number(t) * 1000;
  if (/^\d{12,13}$/.test(t)) return Number(t);
  const ru = /^(\d{1,2})\.(\d{1,2})\.(\d{4})(?:[ T,]+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$/.exec(t);
  const iso = ru ? `${ru[3]}-${ru[2].padStart(2, '0')}-${ru[1].padStart(2, '0')}T${(ru[4] ?? '00').padStart(2, '0')}:${ru[5] ?? '00'}:${ru[6] ?? '00'}` : t.replace(' ', 'T');
  const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(iso) ? `${iso}T00:00:00` : iso;
  const withOffset = /(Z|[+-]\d{2}:?\d{2})$/i.test(dateOnly) ? dateOnly : `${dateOnly}${utcOffset}`;
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(withOffset)) return undefined;
  const ms = Date.parse(withOffset);
  return Number.isNaN(ms) ? undefined : ms;
}

/** One file record → the import payload, or why the row is rejected. */
export function toImportRow(record: SourceRecord, options: ImportOptions): RowResult {
  const payload: ImportPayload = { phones: [], emails: [], time: '', fields: {} };
  const source: NonNullable<ImportPayload['source']> = {};
  let channel: Channel = options.defaultChannel;
  let time: string | undefined;
  let plainSource: string | undefined;
  for (const [header, value] of Object.entries(record.values)) {
    const values = cellText(value);
    if (values.length === 0) continue;
    const target = targetOf(header, options.overrides);
    const first = values[0];
    switch (target) {
      case 'skip':
        break;
      case 'phone':
        payload.phones.push(...values.flatMap((v) => v.split(/\s*[;|\n]\s*/)).filter(Boolean));
        break;
      case 'email':
        payload.emails.push(...values.flatMap((v) => v.split(/[\s,;|]+/)).filter(Boolean));
        break;
      case 'name':
        payload.name ??= first;
        break;
      case 'channel':
        if (!(channels as readonly string[]).includes(first.toLowerCase())) return { ok: false, line: record.line, reason: `channel_unknown: "${first.slice(0, 20)}" (one of ${channels.join(', ')})` };
        channel = first.toLowerCase() as Channel;
        break;
      case 'time':
        time ??= first;
        break;
      case 'subject':
      case 'message':
        payload[target] = values.join('\n');
        break;
      case 'tags':
        payload.tags = values.flatMap((v) => v.split(/\s*[,;]\s*/)).filter(Boolean);
        break;
      case 'form':
      case 'page':
      case 'campaign':
        source[target] = first;
        break;
      case 'source':
        plainSource = first;
        break;
      default:
        payload.fields[header.trim()] = values.join(', ');
    }
  }
  if (plainSource && !payload.fields.utm_source) payload.fields.utm_source = plainSource;
  if (Object.keys(source).length > 0) payload.source = source;
  if (payload.name) payload.name = payload.name.slice(0, 500);
  if (payload.phones.length === 0 && payload.emails.length === 0) return { ok: false, line: record.line, reason: 'no_contact: neither a phone nor an e-mail column has a value' };
  if (!time) return { ok: false, line: record.line, reason: 'time_missing' };
  const at = parseImportTime(time, options.utcOffset);
  if (at === undefined) return { ok: false, line: record.line, reason: `time_invalid: "${time.slice(0, 40)}"` };
  payload.time = new Date(at).toISOString();
  return { ok: true, line: record.line, channel, payload, at };
}
