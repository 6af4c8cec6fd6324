import { connectorPlugins } from '../../connectors/registry.js';
import { DOVECOT_START_TIMEOUT_MS } from '../support/dovecot.js';
import { conformanceSuites } from '../conformance/index.js';

/**
 * Driven by the registry: every registered kind must have at least one conformance case (the kind is read
 * from each case's plugin, so a case cannot claim a kind it does not run), and every case runs here against
 * the real services its suite starts.
 */
// `import` has no ingress and no lifecycle: its rows come from `leadgate import` (tests/integration/import-command.test.ts).
const mapperOnly = new Set(['import']);

describe('every registered connector kind has conformance cases', () => {
  const covered = new Set(conformanceSuites.flatMap((suite) => suite.cases.map((c) => c.kind)));
  test.each([...connectorPlugins.keys()].filter((kind) => !mapperOnly.has(kind)))('%s', (kind) => {
    expect(covered).toContain(kind);
  });

  test('no case runs a kind the registry does not know', () => {
    expect([...covered].filter((kind) => !connectorPlugins.has(kind))).toEqual([]);
  });
});

describe.each(conformanceSuites.map((suite) => [suite.cases.map((c) => c.name).join(', '), suite] as const))('%s', (_names, suite) => {
  if (suite.beforeAll) beforeAll(() => suite.beforeAll?.(), DOVECOT_START_TIMEOUT_MS);
  if (suite.afterAll) afterAll(() => suite.afterAll?.());
  for (const c of suite.cases) c.describe();
});
