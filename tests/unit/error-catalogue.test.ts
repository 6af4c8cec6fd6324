import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ErrorCatalogue, type ErrorCode } from '../../contracts/errors.js';

/** Rows of the table in docs/errors.md: | `CODE` | status | yes/no | meaning | */
function documentedCodes(): Map<string, { status: number; retriable: boolean; meaning: string }> {
  const path = join(dirname(fileURLToPath(import.meta.url)), '../../docs/errors.md');
  const rows = new Map<string, { status: number; retriable: boolean; meaning: string }>();
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const m = /^\|\s*`([A-Z_]+)`\s*\|\s*(\d{3})\s*\|\s*(yes|no)\s*\|\s*(.+?)\s*\|\s*$/.exec(line);
    if (m) rows.set(m[1] ?? '', { status: Number(m[2]), retriable: m[3] === 'yes', meaning: m[4] ?? '' });
  }
  return rows;
}

describe('error catalogue and docs/errors.md', () => {
  const documented = documentedCodes();
  const catalogued = Object.keys(ErrorCatalogue) as ErrorCode[];

  it('list the same codes', () => {
    expect([...documented.keys()].sort()).toEqual([...catalogued].sort());
  });

  it.each(catalogued)('%s has the same status and retriability, and a meaning', (code) => {
    const doc = documented.get(code);
    expect(doc?.status).toBe(ErrorCatalogue[code].status);
    expect(doc?.retriable).toBe(ErrorCatalogue[code].retriable);
    expect(doc?.meaning.length).toBeGreaterThan(10);
  });
});
