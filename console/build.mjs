// Builds the operator console into dist/console without a bundler: tsc compiles console/src to plain ES
// modules, the three runtime libraries are copied from node_modules, bare imports are rewritten to those
// copies, and everything lands in a content-hashed folder so it can be cached forever while index.html
// (revalidated on every load) points at the current one. No install scripts, no CDN.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const compiled = join(root, 'dist', '.console-build');
const out = join(root, 'dist', 'console');
const vendor = {
  preact: 'node_modules/preact/dist/preact.mjs',
  'preact/hooks': 'node_modules/preact/hooks/dist/hooks.mjs',
  htm: 'node_modules/htm/dist/htm.mjs',
};
const vendorFile = (name) => `vendor/${name.replace('/', '-')}.js`;

rmSync(compiled, { recursive: true, force: true });
execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'console/tsconfig.json')], { stdio: 'inherit' });

/** path inside the asset folder → contents */
const files = new Map();
const rewrite = (code, from) =>
  code.replace(/(\bfrom\s*|\bimport\s*)(["'])(preact|preact\/hooks|htm)\2/g, (_m, kw, q, name) => {
    let rel = relative(dirname(from), vendorFile(name)).replaceAll('\\', '/');
    if (!rel.startsWith('.')) rel = `./${rel}`;
    return `${kw}${q}${rel}${q}`;
  });
for (const name of readdirSync(compiled, { recursive: true })) {
  const path = String(name).replaceAll('\\', '/');
  if (!path.endsWith('.js')) continue;
  files.set(path, rewrite(readFileSync(join(compiled, path), 'utf8'), path));
}
for (const [name, source] of Object.entries(vendor)) {
  files.set(vendorFile(name), rewrite(readFileSync(join(root, source), 'utf8'), vendorFile(name)));
}
files.set('styles.css', readFileSync(join(root, 'console/src/styles.css'), 'utf8'));

const hash = createHash('sha256');
for (const [path, code] of [...files].sort(([a], [b]) => a.localeCompare(b))) hash.update(path).update('\0').update(code).update('\0');
const assets = `assets-${hash.digest('hex').slice(0, 12)}`;

rmSync(out, { recursive: true, force: true });
for (const [path, code] of files) {
  mkdirSync(dirname(join(out, assets, path)), { recursive: true });
  writeFileSync(join(out, assets, path), code);
}
const index = readFileSync(join(root, 'console/index.html'), 'utf8').replaceAll('%ASSETS%', `/console/${assets}`);
writeFileSync(join(out, 'index.html'), index);
copyFileSync(join(root, 'console/favicon.svg'), join(out, 'favicon.svg'));
writeFileSync(join(out, 'console.build.json'), `${JSON.stringify({ assets, files: files.size }, null, 2)}\n`);
rmSync(compiled, { recursive: true, force: true });
console.log(`console: ${files.size} files in dist/console/${assets}`);
