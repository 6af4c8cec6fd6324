import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { connectorPlugins } from '../../connectors/registry.js';
import { fixtureDirOf, goldenRoot, readGoldenCase, type GoldenKind } from '../support/golden-channels.js';

/**
 * Driven by the registry, not a hand list: a kind registered without golden fixtures, or with a config key
 * lacking a `description` (docs/config.md is generated from them), fails here.
 */
// `import` has no ingress: its rows come from `leadgate import` and are covered by tests/integration/import-command.test.ts.
const mapperOnly = new Set(['import']);
const kinds = [...connectorPlugins.keys()].filter((k) => !mapperOnly.has(k));

function goldenKindsIn(dir: string): Set<string> {
  const found = new Set<string>();
  for (const file of readdirSync(join(goldenRoot, dir)).filter((f) => f.endsWith('.case.json'))) found.add(readGoldenCase(dir, file.slice(0, -'.case.json'.length)).kind);
  return found;
}

function undocumented(node: Record<string, unknown>, path: string, out: string[]): void {
  const props = node.properties as Record<string, Record<string, unknown>> | undefined;
  for (const [key, child] of Object.entries(props ?? {})) {
    if (typeof child.description !== 'string' || child.description === '') out.push(`${path}${key}`);
    undocumented(child, `${path}${key}.`, out);
    const items = child.items as Record<string, unknown> | undefined;
    if (items) undocumented(items, `${path}${key}[].`, out);
  }
}

describe.each(kinds)('registered kind %s', (kind) => {
  it('has golden fixtures', () => {
    const dir = fixtureDirOf[kind as GoldenKind];
    expect(dir).toBeDefined();
    expect([...goldenKindsIn(dir)]).toContain(kind);
  });

  it('documents every config key', () => {
    const missing: string[] = [];
    undocumented(connectorPlugins.get(kind)?.configSchema ?? {}, '', missing);
    expect(missing).toEqual([]);
  });
});
