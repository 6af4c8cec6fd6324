import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { readCsv, readJsonl } from '../../bin/import/import.reader.js';
import { parseImportTime, toImportRow } from '../../bin/import/import.rows.js';
import type { LeadV1 } from '../../contracts/lead.js';
import { Topics } from '../../contracts/topics.js';
import { openStore } from '../../platform/store/open-store.js';
import type { Store } from '../../platform/store/store.port.js';
import { leadgate } from '../support/leadgate-cli.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';

/**
 * `leadgate import` as an operator runs it (a real OS process through tsx, PostgreSQL store, embedded bus
 * in it), plus the file reading and header mapping it relies on.
 */
const logger = pino({ level: 'silent' });

describe('import files', () => {
  test('CSV: BOM, semicolons, quoted fields with delimiters, quotes and newlines; broken rows keep their line', () => {
    const text = '\uFEFFТелефон;Email;Comment\n8 912 111-22-33;a@example.com;"one; ""two""\nthree"\n+79121112234;;plain\n"unclosed;x;y';
    const read = readCsv(text);
    expect(read.records).toEqual([
      { line: 2, values: { Телефон: '8 912 111-22-33', Email: 'a@example.com', Comment: 'one; "two"\nthree' } },
      { line: 4, values: { Телефон: '+79121112234', Email: '', Comment: 'plain' } },
    ]);
    expect(read.broken).toEqual([{ line: 5, reason: 'malformed_csv: unclosed quote' }]);
    expect(readCsv('a,b\n1,2,3\n').broken).toEqual([{ line: 2, reason: 'malformed_csv: 3 columns, header has 2' }]);
  });

  test('JSONL: objects per line, bad lines reported', () => {
    const read = readJsonl('{"phone":"+79120000001"}\n\n[1]\n{oops\n');
    expect(read.records).toEqual([{ line: 1, values: { phone: '+79120000001' } }]);
    expect(read.broken).toEqual([{ line: 3, reason: 'malformed_json: not an object' }, { line: 4, reason: 'malformed_json' }]);
  });

  test('times as spreadsheets write them', () => {
    expect(parseImportTime('2025-03-01T10:00:00+03:00')).toBe(Date.parse('2025-03-01T07:00:00Z'));
    expect(parseImportTime('2025-03-01 10:00')).toBe(Date.parse('2025-03-01T10:00:00Z'));
    expect(parseImportTime('01.03.2025 10:00', '+03:00')).toBe(Date.parse('2025-03-01T07:00:00Z'));
    expect(parseImportTime('1.3.2025')).toBe(Date.parse('2025-03-01T00:00:00Z'));
    expect(parseImportTime('1740823200')).toBe(1740823200_000);
    expect(parseImportTime('1740823200000')).toBe(1740823200_000);
    expect(parseImportTime('yesterday')).toBeUndefined();
    expect(parseImportTime('2025-13-45 10:00')).toBeUndefined();
  });

  test('header mapping: aliases, numbered contact columns, source → utm_source, custom fields, --map', () => {
    const row = toImportRow(
      { line: 7, values: { 'Full Name': 'Анна', phone2: '+79120000002', Mobile: '8 912 000-00-03', 'E-mail': 'A@x.ru', Канал: 'call', Date: '2025-03-01', Source: 'yandex', utm_medium: 'cpc', Form: 'f1', Budget: '100k', Tags: 'vip, b2b' } },
      { defaultChannel: 'form', utcOffset: 'Z' },
    );
    expect(row).toEqual({
      ok: true,
      line: 7,
      channel: 'call',
      at: Date.parse('2025-03-01T00:00:00Z'),
      payload: { name: 'Анна', phones: ['+79120000002', '8 912 000-00-03'], emails: ['A@x.ru'], time: '2025-03-01T00:00:00.000Z', source: { form: 'f1' }, tags: ['vip', 'b2b'], fields: { utm_medium: 'cpc', Budget: '100k', utm_source: 'yandex' } },
    });
    const mapped = toImportRow({ line: 2, values: { 'Контактный номер': '+79120000004', Когда: '2025-03-01 09:00' } }, { defaultChannel: 'form', utcOffset: 'Z', overrides: { контактный_номер: 'phone', когда: 'time' } });
    expect(mapped).toMatchObject({ ok: true, payload: { phones: ['+79120000004'] } });
    expect(toImportRow({ line: 3, values: { phone: '', email: ' ' } }, { defaultChannel: 'form', utcOffset: 'Z' })).toEqual({ ok: false, line: 3, reason: expect.stringMatching(/^no_contact/) });
    expect(toImportRow({ line: 4, values: { phone: '+79120000005' } }, { defaultChannel: 'form', utcOffset: 'Z' })).toEqual({ ok: false, line: 4, reason: 'time_missing' });
    expect(toImportRow({ line: 5, values: { phone: '+79120000005', channel: 'fax', time: '2025-03-01' } }, { defaultChannel: 'form', utcOffset: 'Z' })).toMatchObject({ ok: false, reason: expect.stringMatching(/^channel_unknown/) });
  });
});

describe('leadgate import (CLI process, PostgreSQL)', () => {
  let db: TestDatabase;
  let store: Store;
  let dir: string;
  let config: string;
  const count = async (sql: string): Promise<number> => Number((await store.query<{ n: string }>(sql))[0].n);
  const snapshot = async (): Promise<Record<string, number>> => ({
    contacts: await count('select count(*)::text as n from contacts'),
    identities: await count('select count(*)::text as n from identities'),
    leads: await count('select count(*)::text as n from leads'),
    activities: await count('select count(*)::text as n from lead_activities'),
    merges: await count('select count(*)::text as n from contact_merges'),
  });

  beforeAll(async () => {
    db = await createTestDatabase();
    store = await openStore({ kind: 'postgres', url: db.url }, logger);
    dir = mkdtempSync(join(tmpdir(), 'leadgate-import-'));
    config = join(dir, 'leadgate.yaml');
    writeFileSync(config, `store: { url: "${db.url}" }\nnormalizer: { defaultRegion: RU, mergeWindowMinutes: 1440 }\nrouter: { owners: [{ id: a }], destination: { kind: webhook, url: "http://127.0.0.1:9/" } }\n`);
  });

  afterAll(async () => {
    await store?.close();
    await db?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('imports in time order with the rows\' own times, reports rejects with lines, and a re-run changes nothing', async () => {
    const csv = join(dir, 'leads.csv');
    writeFileSync(
      csv,
      [
        'Name,Phone,Email,Date,Channel,utm_source,Budget',
        // Listed out of order: the e-mail-only request happened first, the linking one last.
        'Anna,8 (912) 555-01-01,,01.03.2025 12:00,call,,',
        'Anna,,anna@example.com,01.03.2025 09:00,email,,',
        'Anna,+7 912 555 01 01,ANNA@example.com,01.03.2025 13:00,,google,1m',
        'Anna,+79125550101,,05.03.2025 10:00,form,,',
        'Boris,+79125550202,,2025-02-01 10:00,,,',
        'Nobody,,,2025-02-01 10:00,,,',
        'Bad time,+79125550303,,someday,,,',
        'Bad phone,12,,2025-02-01 10:00,,,',
        'Fax,+79125550404,,2025-02-01 10:00,fax,,',
      ].join('\n'),
    );
    const first = await leadgate(['import', csv, '--config', config]);
    expect(first.code).toBe(1);
    const summary = JSON.parse(first.stdout);
    expect(summary).toMatchObject({ rows: 9, imported: 5, leads: 4, activities: 1, contacts: 3, merges: 1, alreadyImported: 0, rejected: 4 });
    expect(summary.rejections.map((r: { line: number; reason: string }) => [r.line, r.reason.split(':')[0]]).sort()).toEqual([
      [10, 'channel_unknown'], [7, 'no_contact'], [8, 'time_invalid'], [9, 'no_valid_contact'],
    ].sort());
    expect(first.stderr).toContain('import: 9/9 100%');
    expect(first.stdout).not.toContain('5550303');

    // Lead times are the rows' times; the linking request (13:00) merged Anna's contacts and joined her
    // youngest open lead (the 12:00 call's); four days later is a new lead.
    const leads = await store.query<{ created_at: Date; n: string }>('select l.created_at, count(a.id)::text as n from leads l join lead_activities a on a.lead_id = l.id group by l.id order by l.created_at');
    expect(leads.map((l) => [l.created_at.toISOString(), l.n])).toEqual([
      ['2025-02-01T10:00:00.000Z', '1'],
      ['2025-03-01T09:00:00.000Z', '1'],
      ['2025-03-01T12:00:00.000Z', '2'],
      ['2025-03-05T10:00:00.000Z', '1'],
    ]);
    const published = await store.query<{ key: string; value: LeadV1 }>('select key, value from bus_log where topic = $1 order by seq', [Topics.normalized]);
    expect(published).toHaveLength(5);
    // People are imported in parallel (--concurrency), so across contacts the topic is not in time order
    // (nor can it be on Kafka, whose partitions order per key). What the router relies on is the order
    // per key: each contact's leads are published in the order of their rows' times.
    const timesByKey = new Map<string, string[]>();
    for (const p of published) timesByKey.set(p.key, [...(timesByKey.get(p.key) ?? []), p.value.eventTime ?? '']);
    for (const times of timesByKey.values()) expect(times).toEqual([...times].sort());
    expect(published.map((p) => p.value)).toContainEqual(expect.objectContaining({ connectorId: 'import', eventTime: '2025-02-01T10:00:00.000Z', eventTimeSource: 'provider' }));
    expect(published.some((p) => p.value.source.utm?.utm_source === 'google' && p.value.fields.Budget === '1m')).toBe(true);

    const before = await snapshot();
    const again = await leadgate(['import', csv, '--config', config]);
    expect(JSON.parse(again.stdout)).toMatchObject({ imported: 0, leads: 0, activities: 0, contacts: 0, merges: 0, alreadyImported: 5, rejected: 4 });
    expect(await snapshot()).toEqual(before);
  }, 400_000);

  test('JSONL with arrays of phones; bad usage exits 2', async () => {
    const file = join(dir, 'leads.jsonl');
    writeFileSync(file, `${JSON.stringify({ name: 'Vera', phones: ['+79125550505', '8 912 555-05-06'], time: '2024-12-01T10:00:00Z', note: 'x' })}\n`);
    const res = await leadgate(['import', file, '--config', config]);
    expect(res.code).toBe(0);
    expect(JSON.parse(res.stdout)).toMatchObject({ rows: 1, leads: 1, contacts: 1 });
    expect(await count("select count(*)::text as n from identities where value in ('+79125550505', '+79125550506')")).toBe(2);
    expect((await leadgate(['import', file, '--channel', 'fax', '--config', config])).code).toBe(2);
    expect((await leadgate(['import', '--config', config])).code).toBe(2);
  }, 400_000);
});
