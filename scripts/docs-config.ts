// Rewrites the generated configuration reference in docs/config.md from config/config.schema.ts.
import { readFileSync, writeFileSync } from 'node:fs';
import { withConfigReference } from '../config/config.reference.js';

const file = new URL('../docs/config.md', import.meta.url);
const before = readFileSync(file, 'utf8');
const after = withConfigReference(before);
if (after !== before) writeFileSync(file, after);
process.stdout.write(after === before ? 'docs/config.md is up to date\n' : 'docs/config.md rewritten\n');
