import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

/**
 * The layering rule of docs/architecture.md, as data. A file may import from its own top-level folder and
 * from the folders listed for it; everything else is a violation. Stages (gateway, normalizer, router)
 * never import each other: what one needs from another is a port in `contracts/` that `bin/` wires.
 * `config/` assembles the parts' own config schemas, so it sits above the stages; `bin/` is the
 * composition root and may import anything.
 */
export const allowedImports: Readonly<Record<string, readonly string[]>> = {
  contracts: [],
  platform: ['contracts'],
  connectors: ['contracts', 'platform'],
  gateway: ['contracts', 'platform', 'connectors'],
  normalizer: ['contracts', 'platform', 'connectors'],
  router: ['contracts', 'platform'],
  config: ['contracts', 'platform', 'connectors', 'router'],
  bin: ['contracts', 'platform', 'connectors', 'gateway', 'normalizer', 'router', 'config', 'console'],
};

export interface ImportViolation {
  file: string;
  imports: string;
  reason: string;
}

const importPattern = /(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Relative import specifiers of one file (package imports are not layering questions). */
export function relativeImports(source: string): string[] {
  const found: string[] = [];
  for (const match of source.matchAll(importPattern)) {
    const spec = match[1] ?? match[2];
    if (spec?.startsWith('.')) found.push(spec);
  }
  return found;
}

/** Every import in the layered folders under `root` that breaks `allowedImports`. */
export function importViolations(root: string): ImportViolation[] {
  const violations: ImportViolation[] = [];
  for (const layer of Object.keys(allowedImports)) {
    for (const file of sourceFiles(join(root, layer))) {
      for (const spec of relativeImports(readFileSync(file, 'utf8'))) {
        const target = relative(root, resolve(dirname(file), spec));
        const targetLayer = target.split(sep)[0] ?? '';
        if (target.startsWith('..')) {
          violations.push({ file: relative(root, file), imports: spec, reason: 'imports from outside the project' });
        } else if (targetLayer !== layer && !allowedImports[layer]?.includes(targetLayer)) {
          violations.push({ file: relative(root, file), imports: target, reason: `${layer}/ may not import ${targetLayer}/` });
        }
      }
    }
  }
  return violations;
}

// `node --import tsx scripts/import-graph.ts` prints the violations and exits non-zero when there are any.
if (process.argv[1] && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname)) {
  const violations = importViolations(resolve(dirname(new URL(import.meta.url).pathname), '..'));
  for (const v of violations) process.stdout.write(`${v.file}: ${v.reason} (${v.imports})\n`);
  process.stdout.write(violations.length === 0 ? 'import graph: no violations\n' : `import graph: ${violations.length} violation(s)\n`);
  process.exitCode = violations.length === 0 ? 0 : 1;
}
