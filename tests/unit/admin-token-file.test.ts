import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { adminTokenFileName, ensureAdminToken } from '../../gateway/console/admin-token.file.js';

describe('admin token for a start without admin.token', () => {
  let dir: string;
  const lines: string[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'leadgate-token-'));
    lines.length = 0;
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('generates a long random token into <dataDir>/admin-token, owner-only, and logs the path, not the token', () => {
    const token = ensureAdminToken(undefined, join(dir, 'data'), logger);
    const file = join(dir, 'data', adminTokenFileName);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(readFileSync(file, 'utf8').trim()).toBe(token);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(lines.join('')).toContain(file);
    expect(lines.join('')).not.toContain(token);
  });

  test('reuses the stored token on the next start and tightens loose permissions', () => {
    const first = ensureAdminToken(undefined, dir, logger);
    const file = join(dir, adminTokenFileName);
    chmodSync(file, 0o644);
    expect(statSync(file).mode & 0o777).toBe(0o644);
    expect(ensureAdminToken(undefined, dir, logger)).toBe(first);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  test('a configured token wins and no file is written', () => {
    expect(ensureAdminToken('configured-token-0123456789abcdef', dir, logger)).toBe('configured-token-0123456789abcdef');
    expect(() => statSync(join(dir, adminTokenFileName))).toThrow();
  });

  test('two starts give two installations different tokens', () => {
    const other = mkdtempSync(join(tmpdir(), 'leadgate-token-'));
    try {
      expect(ensureAdminToken(undefined, dir, logger)).not.toBe(ensureAdminToken(undefined, other, logger));
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });
});
