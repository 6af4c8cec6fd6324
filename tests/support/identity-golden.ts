import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A golden table from `tests/fixtures/identity/<name>.golden.json`. */
export function loadIdentityGolden<T>(name: 'phones' | 'emails'): T[] {
  const file = join(dirname(fileURLToPath(import.meta.url)), `../fixtures/identity/${name}.golden.json`);
  return JSON.parse(readFileSync(file, 'utf8')) as T[];
}
