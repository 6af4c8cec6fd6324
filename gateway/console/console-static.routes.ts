import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { Router, type Response } from 'express';
import { LeadgateError } from '../../contracts/errors.js';

/**
 * Strict by design: scripts and styles only from the console's own files (no inline code, no CDN), data
 * only from this origin (the admin API and the live stream's WebSocket), and the page cannot be framed.
 */
export const consoleContentSecurityPolicy = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Where `npm run build` put the console: next to the compiled gateway, or under dist/ when run from source. */
export function findConsoleAssets(): string | undefined {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const dir of [join(here, '..', '..', 'console'), join(here, '..', '..', 'dist', 'console')]) {
    if (existsSync(join(dir, 'console.build.json'))) return dir;
  }
  return undefined;
}

function secure(res: Response): void {
  res.set({
    'content-security-policy': consoleContentSecurityPolicy,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'x-frame-options': 'DENY',
    'cross-origin-opener-policy': 'same-origin',
  });
}

/**
 * The operator console's static files, mounted at `/console`. The built assets sit in a folder named by
 * their content hash, so they are cached for a year; `index.html` names the current folder and is
 * revalidated on every load, so a new build is picked up at once. Without a build every path answers
 * 404 naming the fix.
 */
export function createConsoleStaticRouter(assetsDir: string | undefined = findConsoleAssets()): Router {
  const router = Router();
  router.use((_req, res, next) => {
    secure(res);
    next();
  });
  if (!assetsDir) {
    router.use((_req, _res, next) => next(new LeadgateError('NOT_FOUND', 'The console is not built: run `npm run build`', { details: { reason: 'console_not_built' } })));
    return router;
  }
  const { assets } = JSON.parse(readFileSync(join(assetsDir, 'console.build.json'), 'utf8')) as { assets: string };
  const index = readFileSync(join(assetsDir, 'index.html'));
  router.use(`/${assets}`, express.static(join(assetsDir, assets), { immutable: true, maxAge: '365d', index: false }));
  router.get('/favicon.svg', (_req, res) => {
    res.set('cache-control', 'public, max-age=86400').sendFile(join(assetsDir, 'favicon.svg'));
  });
  router.get('/', (req, res) => {
    // `/console` without the slash: the page's relative links are absolute, but keep one canonical URL.
    if (!req.originalUrl.split('?')[0]?.endsWith('/')) {
      res.redirect(301, '/console/');
      return;
    }
    res.set({ 'cache-control': 'no-cache', 'content-type': 'text/html; charset=utf-8' }).send(index);
  });
  return router;
}
