import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ImapFlow } from 'imapflow';

const run = promisify(execFile);
const script = join(dirname(fileURLToPath(import.meta.url)), '../../scripts/dovecot.sh');

/** Installing Dovecot on a fresh machine (apt-get update + install) can take a minute; give beforeAll this. */
export const DOVECOT_START_TIMEOUT_MS = 240_000;

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * A private Dovecot (scripts/dovecot.sh) for one test file: its own temp dir, port, users and maildirs.
 * Helpers deliver mail the realistic way, through IMAP APPEND, and can renumber a folder (UIDVALIDITY).
 */
export class DovecotServer {
  readonly host = '127.0.0.1';

  private constructor(
    readonly dir: string,
    readonly port: number,
  ) {}

  static async start(options: { port?: number } = {}): Promise<DovecotServer> {
    const dir = mkdtempSync(join(tmpdir(), 'leadgate-dovecot-'));
    const port = options.port ?? (await freePort());
    await run('bash', [script, 'start', dir, String(port)], { timeout: DOVECOT_START_TIMEOUT_MS });
    return new DovecotServer(dir, port);
  }

  async stop(): Promise<void> {
    await run('bash', [script, 'stop', this.dir]).catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Adds a mailbox account; Dovecot re-reads the passwd-file on the next login. */
  async addUser(user: string, password: string): Promise<void> {
    await run('bash', [script, 'adduser', this.dir, `${user}:${password}`]);
    // Dovecot notices a changed passwd-file by its mtime, in whole seconds: a user added within the same
    // second as the previous one may be unknown for a moment. Wait until the login works.
    const deadline = Date.now() + 5000;
    for (;;) {
      try {
        const client = await this.connect(user, password);
        await client.logout().catch(() => client.close());
        return;
      } catch (err) {
        if (Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  /** A connected client; the caller logs out. */
  async connect(user: string, password: string): Promise<ImapFlow> {
    const client = new ImapFlow({ host: this.host, port: this.port, secure: false, auth: { user, pass: password }, logger: false });
    client.on('error', () => undefined);
    await client.connect();
    return client;
  }

  private async withClient<T>(user: string, password: string, fn: (c: ImapFlow) => Promise<T>): Promise<T> {
    const client = await this.connect(user, password);
    try {
      return await fn(client);
    } catch (err) {
      // imapflow's message is only "Command failed"; the server's answer is what explains a test failure.
      const e = err as { responseText?: string; executedCommand?: string; message?: string };
      throw new Error(`IMAP helper failed: ${e.message ?? String(err)} (${e.responseText ?? 'no server text'}; ${e.executedCommand ?? ''})`, { cause: err });
    } finally {
      await client.logout().catch(() => client.close());
    }
  }

  /** Delivers messages in order through IMAP APPEND; returns their UIDs. */
  async append(user: string, password: string, folder: string, messages: (Buffer | string)[]): Promise<number[]> {
    return this.withClient(user, password, async (c) => {
      const uids: number[] = [];
      for (const m of messages) {
        const res = await c.append(folder, m);
        if (res && typeof res.uid === 'number') uids.push(res.uid);
      }
      return uids;
    });
  }

  async createFolder(user: string, password: string, folder: string): Promise<void> {
    await this.withClient(user, password, async (c) => {
      await c.mailboxCreate(folder);
    });
  }

  /** Deletes and recreates a folder: the server gives it a new UIDVALIDITY and numbers from 1 again. */
  async recreateFolder(user: string, password: string, folder: string): Promise<void> {
    await this.withClient(user, password, async (c) => {
      await c.mailboxDelete(folder);
      await c.mailboxCreate(folder);
    });
  }

  /** Sets UIDVALIDITY in place (doveadm), as a server does after rebuilding its index. */
  async setUidValidity(user: string, folder: string, value: number): Promise<void> {
    await run('bash', [script, 'doveadm', this.dir, 'mailbox', 'update', '-u', user, '--uid-validity', String(value), folder]);
  }

  async status(user: string, password: string, folder: string): Promise<{ messages: number; uidValidity: bigint; unseen: number }> {
    return this.withClient(user, password, async (c) => {
      const s = await c.status(folder, { messages: true, uidValidity: true, unseen: true });
      if (!s) throw new Error(`no status for ${folder}`);
      return { messages: s.messages ?? 0, uidValidity: s.uidValidity ?? 0n, unseen: s.unseen ?? 0 };
    });
  }

  /** Failed logins of a user, from Dovecot's own log: proves the connector stopped trying. */
  authFailures(user: string): number {
    const log = readFileSync(join(this.dir, 'dovecot.log'), 'utf8');
    return log.split('\n').filter((l) => l.includes('auth failed') && l.includes(`user=<${user}>`)).length;
  }
}
