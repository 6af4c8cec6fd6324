import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Logger } from 'pino';

export const adminTokenFileName = 'admin-token';

/**
 * The admin token for a start without `admin.token`: generated once (256 random bits) into
 * `<dataDir>/admin-token`, readable by the owner only, and reused on later starts. The log says where
 * the file is, never the token. A configured token always wins and leaves the file alone.
 */
export function ensureAdminToken(configured: string | undefined, dataDir: string, logger: Logger): string {
  if (configured) return configured;
  const file = resolve(join(dataDir, adminTokenFileName));
  try {
    const token = readFileSync(file, 'utf8').trim();
    if (token.length >= 32) {
      if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
      logger.info({ file }, 'admin token read from the data directory (set admin.token or LEADGATE_ADMIN_TOKEN to choose one)');
      return token;
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  mkdirSync(dataDir, { recursive: true });
  const token = randomBytes(32).toString('base64url');
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  logger.warn({ file }, `no admin token configured: generated one into ${file} (mode 0600); sign in to /console with its contents`);
  return token;
}
