import { appendFileSync } from 'node:fs';
import fc from 'fast-check';
import { Router } from 'express';
import { connectorPlugins } from '../../connectors/registry.js';
import type { ConnectorPlugin } from '../../connectors/connector.port.js';
import { formsEndpoints, messengerEndpoints, type FuzzEndpoint } from '../support/fuzz-endpoints.js';
import { telephonyEndpoints } from '../support/fuzz-endpoints-telephony.js';
import { formatFuzzSummary, fuzzRuns, runEndpointFuzz } from '../support/fuzz-runner.js';

const runs = fuzzRuns(500);
const endpoints: FuzzEndpoint[] = [...formsEndpoints(), ...messengerEndpoints(), ...telephonyEndpoints()];
/** Heap growth allowed over a run after a forced GC: generous, yet far below what a retained body per case would cost. */
const HEAP_BOUND_BYTES = 48 * 1024 * 1024;

const timeoutMs = Math.max(120_000, runs * 200);

describe('webhook fuzzing', () => {
  it('covers every registered kind that mounts a webhook route', () => {
    const withRoutes = [...connectorPlugins.values()].filter((p) => p.createRouter).map((p) => p.kind);
    expect(new Set(endpoints.map((e) => e.plugin.kind))).toEqual(new Set(withRoutes));
  });

  for (const endpoint of endpoints) {
    it(`${endpoint.name}: ${runs} hostile cases keep every invariant`, async () => {
      const stats = await runEndpointFuzz({ endpoint, runs });
      if (process.env.FUZZ_REPORT) appendFileSync(process.env.FUZZ_REPORT, `${JSON.stringify(stats)}\n`);
      // Straight to stderr: jest's console wraps every line in a stack frame.
      process.stderr.write(`${formatFuzzSummary(stats)}\n`);
      expect(stats.cases).toBeGreaterThanOrEqual(runs);
      // The generators must actually reach both sides: accepted leads and refused credentials.
      expect(stats.accepted).toBeGreaterThan(0);
      expect(Object.keys(stats.outcomes).some((k) => k.endsWith('UNAUTHORIZED'))).toBe(true);
      expect(stats.heapGrowthBytes).toBeLessThan(HEAP_BOUND_BYTES);
    }, timeoutMs);
  }

  it('the runner itself catches an endpoint that publishes unauthenticated requests', async () => {
    const [base] = formsEndpoints();
    if (!base) throw new Error('no forms endpoint');
    // A plugin that publishes whatever arrives, credentials or not: the oracle must object.
    const gullible: ConnectorPlugin = {
      ...base.plugin,
      createRouter: (ctx) => {
        const router = Router();
        router.post('/', async (req, res) => {
          const { eventId } = await ctx.ingest({ payload: { anything: String(req.headers['content-length'] ?? '') }, meta: {} });
          res.status(202).json({ status: 'accepted', eventId });
        });
        return router;
      },
    };
    const failure = await runEndpointFuzz({ endpoint: { ...base, plugin: gullible }, runs: 60, seed: 7 }).then(
      () => undefined,
      (err: unknown) => err as Error,
    );
    // fast-check keeps the property's own error as the cause.
    expect(String(failure?.cause ?? failure)).toMatch(/published an unauthenticated request/);
  });

  it('mutations are deterministic for a seed (a failure can be replayed)', () => {
    const [base] = formsEndpoints();
    if (!base) throw new Error('no forms endpoint');
    const sample = (): string[] => fc.sample(base.seed('valid-header'), { numRuns: 5, seed: 42 }).map((s) => s.request.body.toString('base64'));
    expect(sample()).toEqual(sample());
  });
});
