import { appendFileSync } from 'node:fs';
import type { Backend } from '../support/pipeline-harness.js';
import { formatPipelineFuzzTable, fuzzEndpoints, runPipelineFuzz } from '../support/fuzz-pipeline.js';
import { validLeads } from '../support/fuzz-valid-leads.js';

/**
 * Hostile input against the real pipeline (a Leadgate child process, real store and log, the CRM stub):
 * every mutant is answered, none 5xx, the process never dies, and a valid lead sent after each
 * endpoint's mutants reaches the CRM. `FUZZ_PIPELINE_RUNS` sets the mutants per endpoint (the long run,
 * `npm run fuzz:long`, uses 10,000); `FUZZ_PIPELINE_BACKENDS=embedded` limits the back-ends.
 */
const runs = Number(process.env.FUZZ_PIPELINE_RUNS) > 0 ? Number(process.env.FUZZ_PIPELINE_RUNS) : 40;
const backends = (process.env.FUZZ_PIPELINE_BACKENDS ?? 'embedded,kafka').split(',').filter(Boolean) as Backend[];
const timeoutMs = Math.max(600_000, runs * fuzzEndpoints().length * 60);

describe('hostile input against the real pipeline', () => {
  it('has a valid lead for every fuzzed endpoint', () => {
    expect(Object.keys(validLeads).sort()).toEqual(fuzzEndpoints().map((e) => e.name).sort());
  });

  it.each(backends)('%s: mutants never crash, never 5xx, always answered; a valid lead after them is delivered', async (backend) => {
    const rows = await runPipelineFuzz({ backend, runs, seed: Number(process.env.FUZZ_SEED) || 1 });
    const table = formatPipelineFuzzTable(rows);
    process.stderr.write(`\nhostile input, ${runs} mutants per endpoint (${backend}):\n${table}\n`);
    if (process.env.FUZZ_REPORT) appendFileSync(process.env.FUZZ_REPORT, `${table}\n`);
    for (const row of rows) {
      const problems = row.examples.join('\n  ');
      expect({ endpoint: row.endpoint, cases: row.cases, '5xx': row['5xx'], noAnswer: row.noAnswer, crashes: row.crashes, validDelivered: row.validDelivered, problems }).toEqual({
        endpoint: row.endpoint,
        cases: runs,
        '5xx': 0,
        noAnswer: 0,
        crashes: 0,
        validDelivered: true,
        problems: '',
      });
      // The generators reach both the accepted path and the refusals.
      expect(row['2xx'] + row['4xx']).toBe(runs);
    }
    expect(rows.some((r) => r['2xx'] > 0)).toBe(true);
  }, timeoutMs);
});
