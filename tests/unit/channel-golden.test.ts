import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deliveredRecord, fixtureDirOf, goldenDirs, goldenRoot, sendThroughIngress, type GoldenCase } from '../support/golden-channels.js';

/**
 * The golden runner of every connector kind (format: tests/support/golden-channels.ts). Each case goes
 * through its kind's real, signed ingress; every published raw event through the kind's mapper and the
 * normalizer's own cleaner and record builder, with fixed ids. The FULL delivered Lead v1 is compared.
 * `GOLDEN_UPDATE=1` rewrites the expectations (review the diff before keeping it).
 */
const root = goldenRoot;
const update = process.env.GOLDEN_UPDATE === '1';

const casesIn = (dir: string): string[] =>
  readdirSync(join(root, dir))
    .filter((f) => f.endsWith('.case.json'))
    .map((f) => f.slice(0, -'.case.json'.length))
    .sort();

describe.each(goldenDirs)('golden cases: %s', (dir) => {
  const cases = casesIn(dir);

  it('has cases for every kind the directory holds', () => {
    expect(cases.length).toBeGreaterThanOrEqual(8);
    const kinds = new Set(cases.map((c) => (JSON.parse(readFileSync(join(root, dir, `${c}.case.json`), 'utf8')) as GoldenCase).kind));
    const wanted = Object.entries(fixtureDirOf).filter(([, d]) => d === dir).map(([k]) => k);
    expect([...kinds].sort()).toEqual(wanted.sort());
  });

  it.each(cases)('%s', async (name) => {
    const file = join(root, dir, `${name}.case.json`);
    const spec = JSON.parse(readFileSync(file, 'utf8')) as GoldenCase;
    expect(existsSync(join(root, dir, `${name}.${spec.kind === 'email' ? 'eml' : 'body'}`))).toBe(true);
    const outcome = await sendThroughIngress(join(root, dir), name, spec);
    if (spec.expectedStatus !== undefined) {
      expect(outcome.status).toBe(spec.expectedStatus);
      expect((outcome.body as { error?: { details?: unknown } }).error?.details).toMatchObject(spec.expectedError ?? {});
      expect(outcome.raws).toHaveLength(0);
      return;
    }
    expect(outcome.status).toBeLessThan(300);
    const results = outcome.raws.map((raw) => deliveredRecord(raw, spec.kind));
    if (update) {
      const answer = results.length === 0 ? { expectedAnswer: outcome.body } : {};
      writeFileSync(file, `${JSON.stringify({ ...spec, ...answer, expected: results }, null, 2)}\n`);
      return;
    }
    expect(results).toEqual(spec.expected);
    // Nothing published: the ingress's answer says why (Tilda's ping, a status update, a bot's message).
    if (results.length === 0) expect(outcome.body).toEqual(spec.expectedAnswer);
  });
});
