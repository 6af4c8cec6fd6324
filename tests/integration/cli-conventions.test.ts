import { jest } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { openStore } from '../../platform/store/open-store.js';
import { runLeadgate, type CliResult } from '../support/leadgate-cli.js';

/** The CLI as an operator meets it: real processes (through tsx) on an embedded store in a temp dir. */
const root = fileURLToPath(new URL('../..', import.meta.url));

const leadgate = runLeadgate;

const noStack = (text: string): void => expect(text).not.toMatch(/\n\s+at /);

describe('leadgate CLI conventions', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'leadgate-cli-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('--help and -h print to stdout and exit 0, for the tool and a command; --version prints the package version', async () => {
    const [help, h, dlqHelp, version] = await Promise.all([leadgate(['--help']), leadgate(['-h']), leadgate(['dlq', '-h']), leadgate(['--version'])]);
    for (const r of [help, h]) {
      expect(r).toMatchObject({ code: 0, stderr: '' });
      expect(r.stdout).toMatch(/^usage: leadgate <command>/);
      expect(r.stdout).toContain('--version');
    }
    expect(dlqHelp).toMatchObject({ code: 0, stderr: '' });
    expect(dlqHelp.stdout).toMatch(/^leadgate dlq <list/);
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
    expect(version).toMatchObject({ code: 0 });
    expect(version.stdout).toBe(`leadgate ${pkg.version} (node ${process.version})\n`);
  });

  test('an unknown option or command is one line with a hint and exit 2, no stack trace', async () => {
    const [option, command] = await Promise.all([leadgate(['dlq', 'list', '--colour']), leadgate(['frobnicate'])]);
    expect(option.code).toBe(2);
    expect(option.stderr).toMatch(/^leadgate dlq: Unknown option '--colour' \(see leadgate dlq --help\)\n$/);
    expect(command.code).toBe(2);
    expect(command.stderr).toMatch(/^leadgate: unknown command "frobnicate" .*leadgate --help\n$/);
  });

  jest.setTimeout(300_000);

  test('a port in use is one line with a hint (a stack only with --debug)', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = String((blocker.address() as { port: number }).port);
    try {
      const env = { LEADGATE_PORT: port, LEADGATE_HOST: '127.0.0.1', LEADGATE_DATA_DIR: join(dir, 'port-db') };
      const plain = await leadgate(['start'], env);
      expect(plain.code).toBe(1);
      const lines = plain.stderr.trim().split('\n');
      expect(lines[lines.length - 1]).toMatch(new RegExp(`^leadgate start: port ${port} on 127\\.0\\.0\\.1 is already in use \\(is another leadgate running\\? set server\\.port or LEADGATE_PORT\\)$`));
      noStack(plain.stderr);
      const debug = await leadgate(['start', '--debug'], env);
      expect(debug.code).toBe(1);
      expect(debug.stderr).toMatch(/\n\s+at /);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  test('an empty dlq list says so; a config error names the key and exits 78', async () => {
    const empty = await leadgate(['dlq', 'list'], { LEADGATE_DATA_DIR: join(dir, 'empty-db') });
    expect(empty).toMatchObject({ code: 0, stdout: '' });
    expect(empty.stderr).toBe('no unreplayed dead letters (--all includes replayed ones)\n');
    const config = join(dir, 'bad.yaml');
    writeFileSync(config, 'admin:\n  token: ${admin_token}\n');
    const bad = await leadgate(['dlq', 'list', '--config', config]);
    expect(bad.code).toBe(78);
    expect(bad.stderr).toContain('/admin/token: malformed reference "${admin_token}"');
    noStack(bad.stderr);
  });

  test('a second process on the embedded data directory gets a clear error, and the lock goes with its owner', async () => {
    const dataDir = join(dir, 'locked-db');
    const store = await openStore({ kind: 'embedded', dataDir }, pino({ level: 'silent' }));
    let second: CliResult;
    try {
      second = await leadgate(['dlq', 'list'], { LEADGATE_DATA_DIR: dataDir });
    } finally {
      await store.close();
    }
    expect(second.code).toBe(75);
    expect(second.stderr).toMatch(new RegExp(`^leadgate dlq: the embedded store .*locked-db is in use by process ${process.pid} .*stop it first`));
    noStack(second.stderr);
    const after = await leadgate(['dlq', 'list'], { LEADGATE_DATA_DIR: dataDir });
    expect(after.code).toBe(0);
  });
});
