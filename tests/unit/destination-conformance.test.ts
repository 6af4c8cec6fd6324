import { readdirSync } from 'node:fs';
import { destinationKinds } from '../../router/destinations/destination.registry.js';
import { describeDestinationConformance } from '../support/destination-conformance.js';
import { destinationFixturesRoot } from '../support/destination-golden.js';

/**
 * Every registered destination kind against its golden cases in tests/fixtures/destinations/<kind>/.
 * `GOLDEN_UPDATE=1` rewrites the recorded requests and receipts (review the diff before keeping it).
 */
describeDestinationConformance(destinationKinds, destinationKinds);

test('every fixture directory belongs to a registered kind', () => {
  const known = new Set<string>(destinationKinds.map((d) => d.kind));
  const dirs = readdirSync(destinationFixturesRoot, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
  expect(dirs.filter((d) => !known.has(d))).toEqual([]);
});
