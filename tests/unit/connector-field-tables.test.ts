import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fixtureDirOf, goldenDirs, goldenRoot, readGoldenCase, type GoldenKind } from '../support/golden-channels.js';

/**
 * Each `connectors/<kind>/README.md` has a "Fields: provider → Lead v1" table (columns: kind, provider
 * field, Lead v1). The table and the golden cases must agree both ways: every Lead v1 path the table names
 * appears, non-empty, in some golden case's delivered record of that kind; and every provider id,
 * attribution, attachment, channel handle and call fact a golden record carries is named in the table.
 */
const connectorsDir = join(dirname(fileURLToPath(import.meta.url)), '../../connectors');
const readmes = ['forms', 'telephony', 'telegram', 'whatsapp', 'email'];
const roots = ['contact', 'message', 'subject', 'provider', 'source', 'attachments', 'fields', 'call', 'occurredAt'];
/** Paths the reverse check demands in the table: what this project promises to carry with fidelity. */
const promised = /^(provider\.|source\.|attachments|call\.|contact\.(username|profileName|phones|emails|name))/;

type Table = Map<GoldenKind, Set<string>>;

function tableOf(readme: string): Table {
  const text = readFileSync(join(connectorsDir, readme, 'README.md'), 'utf8');
  const section = text.split(/^## Fields: provider → Lead v1$/m)[1]?.split(/^## /m)[0];
  if (!section) throw new Error(`connectors/${readme}/README.md has no "Fields: provider → Lead v1" section`);
  const table: Table = new Map();
  for (const line of section.split('\n')) {
    const cells = line.split(/(?<!\\)\|/).map((c) => c.trim());
    if (cells.length < 5 || cells[1] === 'kind' || /^-+$/.test(cells[1] ?? '')) continue;
    const paths = [...(cells[3] ?? '').matchAll(/`([^`]+)`/g)].map((m) => m[1] ?? '').filter((p) => roots.includes(p.split(/[.[]/)[0] ?? '') && !p.includes('<'));
    for (const kind of (cells[1] ?? '').split(',').map((k) => k.trim() as GoldenKind)) {
      const set = table.get(kind) ?? new Set<string>();
      for (const p of paths) set.add(p);
      table.set(kind, set);
    }
  }
  return table;
}

/** Every non-empty leaf path of a record, arrays of objects as `[]`. */
function leaves(value: unknown, prefix = ''): string[] {
  if (Array.isArray(value)) {
    if (value.length === 0) return [];
    return value.every((v) => v !== null && typeof v === 'object') ? value.flatMap((v) => leaves(v, `${prefix}[]`)) : [prefix];
  }
  if (value !== null && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => leaves(v, prefix ? `${prefix}.${k}` : k));
  return value === '' || value === undefined ? [] : [prefix];
}

const recordPaths = new Map<GoldenKind, Set<string>>();
for (const dir of goldenDirs) {
  for (const file of readdirSync(join(goldenRoot, dir)).filter((f) => f.endsWith('.case.json'))) {
    const spec = readGoldenCase(dir, file.slice(0, -'.case.json'.length));
    const set = recordPaths.get(spec.kind) ?? new Set<string>();
    for (const result of spec.expected ?? []) if (!('ignore' in result)) for (const p of leaves(result)) set.add(p);
    recordPaths.set(spec.kind, set);
  }
}

/** A table path covers a record path when equal, or a prefix of it (`source.utm.*`, `contact.ids`). */
const covers = (tablePath: string, recordPath: string): boolean => {
  const base = tablePath.replace(/\.\*$/, '');
  return recordPath === base || recordPath.startsWith(`${base}.`) || recordPath.startsWith(`${base}[]`);
};

describe.each(readmes)('connectors/%s/README.md field table', (readme) => {
  const table = tableOf(readme);
  const kinds = Object.entries(fixtureDirOf).filter(([, d]) => d === readme).map(([k]) => k as GoldenKind);

  it('has rows for every kind of this directory', () => {
    expect([...table.keys()].sort()).toEqual([...kinds].sort());
  });

  it.each(kinds)('every Lead v1 path the table names for %s appears in a golden record', (kind) => {
    const seen = [...(recordPaths.get(kind) ?? [])];
    const missing = [...(table.get(kind) ?? [])].filter((p) => !seen.some((r) => covers(p, r)));
    expect(missing).toEqual([]);
  });

  it.each(kinds)('every carried provider id, attribution and call fact of %s is in the table', (kind) => {
    const named = [...(table.get(kind) ?? [])];
    const unnamed = [...(recordPaths.get(kind) ?? [])].filter((p) => promised.test(p) && !named.some((t) => covers(t, p)));
    expect(unnamed).toEqual([]);
  });
});
