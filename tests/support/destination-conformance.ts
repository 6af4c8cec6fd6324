import { basename } from 'node:path';
import type { AnyDestinationDefinition } from '../../router/destinations/destination.spec.js';
import type { DestinationRegistry } from '../../router/destinations/destination.registry.js';
import { caseFilesOf, destinationFixturesRoot, playCase, readCase, rewriteCase } from './destination-golden.js';

const update = process.env.GOLDEN_UPDATE === '1';

type SchemaNode = { description?: string; properties?: Record<string, SchemaNode> };

/** Paths of schema keys without a `description` (docs/config.md would show an empty meaning). */
function undescribed(props: Record<string, unknown>, prefix = ''): string[] {
  return Object.entries(props as Record<string, SchemaNode>).flatMap(([key, node]) => [
    ...(node.description ? [] : [`${prefix}${key}`]),
    ...(node.properties ? undescribed(node.properties, `${prefix}${key}.`) : []),
  ]);
}

function hasKey(props: Record<string, unknown>, path: string): boolean {
  const [head, ...rest] = path.split('.');
  const node = (props as Record<string, SchemaNode>)[head ?? ''];
  if (!node) return false;
  return rest.length === 0 || (node.properties !== undefined && hasKey(node.properties, rest.join('.')));
}

/**
 * The conformance suite of destination kinds: for each definition, its spec is complete (every key
 * described, secrets and the declared behaviour consistent) and its golden cases pass. A kind without
 * cases fails — the list comes from the registry, so a new kind cannot be registered untested.
 */
export function describeDestinationConformance(registry: DestinationRegistry, kinds: readonly AnyDestinationDefinition[], root = destinationFixturesRoot): void {
  for (const definition of kinds) {
    const files = caseFilesOf(definition.kind, root);
    const cases = files.map((file) => ({ file, c: readCase(file) }));

    describe(`destination kind ${definition.kind}`, () => {
      test('has golden cases: a first create, and a possible repeat when it looks records up', () => {
        expect(files.map((f) => basename(f)).length).toBeGreaterThan(0);
        expect(cases.some(({ c }) => c.delivery.kind === 'lead.create' && !c.maybeRetry)).toBe(true);
        if (definition.idempotency.includes('lookup-before-create')) expect(cases.some(({ c }) => c.maybeRetry)).toBe(true);
        // A kind that declares park codes proves at least one of them parks it.
        if (definition.parksOn.length > 0) expect(cases.some(({ c }) => c.expectedPark !== undefined)).toBe(true);
      });

      test('every key has a description and every secret names a key of its schema', () => {
        expect(undescribed(definition.schemaProperties)).toEqual([]);
        expect(definition.secretPaths.filter((p) => !hasKey(definition.schemaProperties, p))).toEqual([]);
        expect(definition.idempotency.length).toBeGreaterThan(0);
        if (definition.rateLimit) expect(definition.rateLimit.perSecond).toBeGreaterThan(0);
      });

      for (const { file, c } of cases) {
        test(`golden: ${basename(file, '.case.json')} — ${c.description}`, async () => {
          const outcome = await playCase(registry, definition.kind, c);
          expect(outcome.configProblems).toEqual([]);
          if (update) return rewriteCase(file, c, outcome);
          expect(outcome.sent).toEqual(c.exchanges.map((e) => e.request));
          if (c.expectedError) {
            expect(outcome.error).toBe(c.expectedError);
            expect(outcome.park).toBe(c.expectedPark);
          } else {
            expect(outcome.error).toBeUndefined();
            expect(outcome.receipt).toEqual(c.expectedReceipt);
          }
        });
      }
    });
  }
}
