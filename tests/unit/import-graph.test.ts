import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { importViolations, relativeImports } from '../../scripts/import-graph.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

describe('import graph', () => {
  it('has no stage importing another stage, and no layer importing upward', () => {
    expect(importViolations(root)).toEqual([]);
  });

  describe('the checker', () => {
    let dir: string;
    const file = (path: string, source: string): void => {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), source);
    };

    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'import-graph-'));
      for (const layer of ['contracts', 'platform', 'connectors', 'gateway', 'normalizer', 'router', 'config', 'bin']) mkdirSync(join(dir, layer));
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('reports a stage importing another stage, and platform importing a stage', () => {
      file('router/dlq/routes.ts', "import { requireAdminToken } from '../../gateway/admin-auth.js';\n");
      file('platform/http/x.ts', "import type { Lead } from '../../normalizer/lead.js';\nexport const y = 1;\n");
      file('bin/pipeline.ts', "import { Router } from '../router/router.service.js';\nimport { g } from '../gateway/app.js';\n");
      expect(importViolations(dir)).toEqual([
        { file: 'platform/http/x.ts', imports: 'normalizer/lead.js', reason: 'platform/ may not import normalizer/' },
        { file: 'router/dlq/routes.ts', imports: 'gateway/admin-auth.js', reason: 'router/ may not import gateway/' },
      ]);
    });

    it('sees dynamic imports and re-exports, and ignores packages', () => {
      expect(relativeImports("export { a } from './a.js';\nconst m = await import('../b.js');\nimport express from 'express';\n")).toEqual(['./a.js', '../b.js']);
    });
  });
});
