/**
 * Phone and e-mail normalizers against their golden tables, and their cost per value.
 *   node --import tsx bench/identity-values.bench.ts
 *
 * Pure CPU, no services. Reports, per table: spellings, how many the normalizer reads to the expected
 * identity, how many it rightly refuses, and how many give a wrong identity (must be 0); then values/s
 * over the table (BENCH_ROUNDS passes, default 200). The unit tests assert the same tables; this prints the
 * figures for the README and for comparing a change.
 */
import { checkEmail } from '../normalizer/email.normalizer.js';
import { normalizePhone } from '../normalizer/phone.normalizer.js';
import { loadIdentityGolden } from '../tests/support/identity-golden.js';

interface Row {
  input: string;
  expected: string | null;
  actual: string | undefined;
}

const rounds = Number(process.env.BENCH_ROUNDS ?? 200);
const phones = loadIdentityGolden<{ in: string; region: string; e164: string | null }>('phones');
const emails = loadIdentityGolden<{ in: string; email: string | null }>('emails');

function report(name: string, rows: Row[]): void {
  const valid = rows.filter((r) => r.expected !== null);
  const read = valid.filter((r) => r.actual === r.expected).length;
  const refused = rows.filter((r) => r.expected === null && r.actual === undefined).length;
  const wrong = rows.filter((r) => r.actual !== undefined && r.actual !== r.expected);
  console.log(`${name}: ${rows.length} spellings; read ${read}/${valid.length}; refused ${refused}/${rows.length - valid.length}; wrong identity ${wrong.length}`);
  for (const w of wrong) console.log(`  wrong: ${JSON.stringify(w.input)} → ${w.actual} (expected ${w.expected ?? 'none'})`);
}

function throughput(name: string, run: () => void, perRound: number): void {
  const started = process.hrtime.bigint();
  for (let i = 0; i < rounds; i++) run();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  console.log(`${name}: ${Math.round((rounds * perRound) / seconds)} values/s (${rounds * perRound} values)`);
}

report('phones', phones.map((g) => ({ input: g.in, expected: g.e164, actual: normalizePhone(g.in, g.region).e164 })));
report('e-mails', emails.map((g) => ({ input: g.in, expected: g.email, actual: checkEmail(g.in).email })));
throughput('normalizePhone', () => phones.forEach((g) => normalizePhone(g.in, g.region)), phones.length);
throughput('checkEmail', () => emails.forEach((g) => checkEmail(g.in)), emails.length);
