/** One record of an import file with the physical line it starts on (1-based, for rejection reports). */
export interface SourceRecord {
  line: number;
  /** Column → value; JSONL values may also be numbers, booleans or arrays. */
  values: Record<string, unknown>;
}

export interface ReadResult {
  records: SourceRecord[];
  /** Records that could not even be read (bad JSON, unbalanced quotes, wrong column count). */
  broken: { line: number; reason: string }[];
}

export type ImportFormat = 'csv' | 'jsonl';

export function formatOf(path: string, explicit?: string): ImportFormat {
  if (explicit === 'csv' || explicit === 'jsonl') return explicit;
  return /\.(jsonl|ndjson|json)$/i.test(path) ? 'jsonl' : 'csv';
}

/** JSON Lines: one object per line; blank lines are skipped. */
export function readJsonl(text: string): ReadResult {
  const out: ReadResult = { records: [], broken: [] };
  text.split(/\r?\n/).forEach((raw, i) => {
    if (raw.trim() === '') return;
    try {
      const value: unknown = JSON.parse(raw);
      if (value === null || typeof value !== 'object' || Array.isArray(value)) out.broken.push({ line: i + 1, reason: 'malformed_json: not an object' });
      else out.records.push({ line: i + 1, values: value as Record<string, unknown> });
    } catch {
      out.broken.push({ line: i + 1, reason: 'malformed_json' });
    }
  });
  return out;
}

/** Splits CSV text (RFC 4180: quoted fields, doubled quotes, newlines inside quotes) into rows with start lines. */
function csvRows(text: string, delimiter: string): { line: number; cells: string[]; unclosed?: boolean }[] {
  const rows: { line: number; cells: string[]; unclosed?: boolean }[] = [];
  let cells: string[] = [];
  let cell = '';
  let quoted = false;
  let line = 1;
  let start = 1;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else {
        if (c === '\n') line++;
        cell += c;
      }
    } else if (c === '"' && cell === '') quoted = true;
    else if (c === delimiter) {
      cells.push(cell);
      cell = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      cells.push(cell);
      rows.push({ line: start, cells });
      cells = [];
      cell = '';
      line++;
      start = line;
    } else cell += c;
  }
  if (cell !== '' || cells.length > 0 || quoted) {
    cells.push(cell);
    rows.push({ line: start, cells, ...(quoted ? { unclosed: true } : {}) });
  }
  return rows;
}

/** The delimiter of a spreadsheet export: whichever of `,` `;` tab occurs most in the header line. */
function detectDelimiter(header: string): string {
  const counts = [',', ';', '\t'].map((d) => ({ d, n: header.split(d).length }));
  return counts.sort((a, b) => b.n - a.n)[0].d;
}

/** CSV with a header row; a UTF-8 BOM is dropped, the delimiter detected unless given. */
export function readCsv(input: string, delimiter?: string): ReadResult {
  const text = input.replace(/^\uFEFF/, '');
  const out: ReadResult = { records: [], broken: [] };
  const rows = csvRows(text, delimiter ?? detectDelimiter(text.split(/\r?\n/, 1)[0] ?? ''));
  const [header, ...body] = rows;
  if (!header) return out;
  const names = header.cells.map((h) => h.trim());
  for (const row of body) {
    if (row.cells.length === 1 && row.cells[0].trim() === '') continue;
    if (row.unclosed) out.broken.push({ line: row.line, reason: 'malformed_csv: unclosed quote' });
    else if (row.cells.length !== names.length) out.broken.push({ line: row.line, reason: `malformed_csv: ${row.cells.length} columns, header has ${names.length}` });
    else out.records.push({ line: row.line, values: Object.fromEntries(names.map((n, i) => [n, row.cells[i]])) });
  }
  return out;
}
