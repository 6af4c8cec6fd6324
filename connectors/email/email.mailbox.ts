import { ImapFlow } from 'imapflow';
import type { Logger } from 'pino';
import type { ConnectorContext } from '../connector.port.js';
import { backoffMs, sleep } from '../../platform/retry.js';
import type { CheckpointStore, Checkpoint } from './email.checkpoint.js';
import { classifyEmail, type EmailIgnoreCode } from './email.classify.js';
import type { EmailConfig } from './email.config.js';
import type { CompiledFormRule } from './email.form-rules.js';
import { buildEmailEvent } from './email.parser.js';
import type { EmailPayload } from './email.payload.js';
import type { EmailHealth } from './email.health.js';

/**
 * IDLE is re-issued this often even without news: RFC 2177 asks clients to refresh before 29 minutes,
 * and the sync it triggers is also a safety net for a server that missed a notification.
 */
const IDLE_REFRESH_MS = 4 * 60_000;

export interface FolderWorkerDeps {
  ctx: ConnectorContext<EmailConfig>;
  folder: string;
  checkpoints: CheckpointStore;
  rules: readonly CompiledFormRule[];
  health: EmailHealth;
  /** Aborted by `stop()` and when the connector is disabled. */
  signal: AbortSignal;
  logger: Logger;
  onIgnored(code: EmailIgnoreCode): void;
  createClient(config: Readonly<EmailConfig>): ImapFlow;
}

export function createImapClient(config: Readonly<EmailConfig>): ImapFlow {
  return new ImapFlow({
    host: config.host,
    port: config.port,
    secure: config.secure,
    tls: { rejectUnauthorized: config.tlsRejectUnauthorized },
    auth: config.accessToken ? { user: config.user, accessToken: config.accessToken } : { user: config.user, pass: config.password ?? '' },
    // We run IDLE ourselves, between syncs, so it never interleaves with a fetch.
    disableAutoIdle: true,
    // imapflow's own logs are per IMAP command; ours carry the events that matter.
    logger: false,
  });
}

export function isAuthFailure(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { authenticationFailed?: unknown }).authenticationFailed === true;
}

export function describeError(err: unknown): string {
  if (typeof err !== 'object' || err === null) return String(err);
  const e = err as { message?: unknown; code?: unknown; responseText?: unknown };
  const text = typeof e.responseText === 'string' && e.responseText ? e.responseText : typeof e.message === 'string' ? e.message : 'unknown error';
  return typeof e.code === 'string' ? `${e.code}: ${text}` : text;
}

/** The JSON form of a payload for the bus (an interface has no index signature, a spread object does). */
const asRecord = (p: EmailPayload): Record<string, unknown> => ({ ...p });

/**
 * Reads one folder of one mailbox, for as long as the connector runs: connect with a fresh client (an
 * ImapFlow instance is single-use), publish every message above the checkpoint in UID order, then IDLE
 * (or sleep `pollIntervalMs`) and repeat. Any failure closes the client and reconnects after a growing,
 * jittered backoff; authentication failures are counted by `EmailHealth`, which disables the connector.
 */
export class FolderWorker {
  private client: ImapFlow | undefined;
  private attempt = 0;

  constructor(private readonly deps: FolderWorkerDeps) {}

  /** Drops the connection at once (a blocked command, an IDLE); the loop notices and exits or reconnects. */
  closeConnection(): void {
    this.client?.close();
  }

  async run(): Promise<void> {
    const { signal, health, logger, folder } = this.deps;
    const config = this.deps.ctx.config;
    while (!signal.aborted) {
      const client = this.deps.createClient(config);
      this.client = client;
      // Without a listener an 'error' event would crash the process; the failing command reports it anyway.
      client.on('error', (err: unknown) => logger.debug({ err: describeError(err), event: 'email.connection_error' }, 'IMAP connection error'));
      try {
        await client.connect();
        health.loggedIn();
        await this.session(client);
      } catch (err) {
        if (signal.aborted) break;
        this.attempt++;
        const reason = describeError(err);
        if (isAuthFailure(err)) {
          if (health.authFailed(folder, reason)) break;
          logger.warn({ event: 'email.auth_failed', reason }, 'IMAP authentication failed');
        } else {
          health.failed(folder, reason);
          logger.warn({ event: 'email.reconnect', reason, attempt: this.attempt }, 'IMAP session failed; reconnecting');
        }
        await sleep(backoffMs(this.attempt, config.reconnectInitialMs, config.reconnectMaxMs), signal).catch(() => undefined);
      } finally {
        this.client = undefined;
        client.close();
      }
    }
  }

  private async session(client: ImapFlow): Promise<void> {
    const { signal, folder, health } = this.deps;
    const config = this.deps.ctx.config;
    const lock = await client.getMailboxLock(folder);
    let dirty = true;
    let closed = false;
    let wake: (() => void) | undefined;
    const onExists = (): void => {
      dirty = true;
      wake?.();
    };
    const onClose = (): void => {
      closed = true;
      wake?.();
    };
    client.on('exists', onExists);
    client.on('close', onClose);
    try {
      const useIdle = config.idle && client.capabilities.has('IDLE');
      while (!signal.aborted) {
        if (closed) throw new Error('IMAP connection closed');
        // Cleared before the sync: a message that lands during it sets the flag again and we go round once more.
        dirty = false;
        await this.sync(client);
        this.attempt = 0;
        health.synced(folder);
        if (dirty || signal.aborted) continue;
        let timer: NodeJS.Timeout | undefined;
        let onAbort: (() => void) | undefined;
        const waited = new Promise<void>((resolve) => {
          wake = () => resolve();
          onAbort = () => resolve();
          timer = setTimeout(resolve, useIdle ? IDLE_REFRESH_MS : config.pollIntervalMs);
          signal.addEventListener('abort', onAbort, { once: true });
        });
        // The next command (the sync's SEARCH) ends the IDLE; a closed connection makes it resolve too.
        if (useIdle) void client.idle().catch(() => undefined);
        await waited;
        clearTimeout(timer);
        if (onAbort) signal.removeEventListener('abort', onAbort);
        wake = undefined;
      }
    } finally {
      client.off('exists', onExists);
      client.off('close', onClose);
      lock.release();
    }
  }

  /** Publishes every message above the checkpoint, oldest UID first, moving the checkpoint after each. */
  private async sync(client: ImapFlow): Promise<void> {
    const { checkpoints, folder, logger, signal } = this.deps;
    const box = client.mailbox;
    if (!box) throw new Error(`folder ${folder} is not selected`);
    let cp = await checkpoints.load(folder);
    if (!cp || cp.uidValidity !== box.uidValidity) {
      if (cp) {
        // The server renumbered the folder: old UIDs mean nothing now. Read it all again; event keys built
        // from Message-IDs (or content hashes) make the normalizer drop what it has already seen.
        logger.warn({ event: 'email.uidvalidity_changed', was: cp.uidValidity.toString(), now: box.uidValidity.toString() }, 'UIDVALIDITY changed; resyncing folder');
      }
      // A first start with `initialSync: new` skips the mailbox's history; a renumbering never does.
      const skipHistory = !cp && this.deps.ctx.config.initialSync === 'new';
      cp = { uidValidity: box.uidValidity, lastUid: skipHistory ? Math.max(0, box.uidNext - 1) : 0 };
      await checkpoints.save(folder, cp);
    }
    const found = (await client.search({ uid: `${cp.lastUid + 1}:*` }, { uid: true })) || [];
    // `n:*` always includes the highest UID, even when it is below n.
    const last = cp.lastUid;
    const uids = found.filter((u) => u > last).sort((a, b) => a - b);
    for (const uid of uids) {
      if (signal.aborted) return;
      const message = await client.fetchOne(String(uid), { uid: true, source: true }, { uid: true });
      // Expunged between SEARCH and FETCH: nothing to publish, but nothing to wait for either.
      if (message && message.source) await this.publish(message.source, uid, box.uidValidity);
      const next: Checkpoint = { uidValidity: box.uidValidity, lastUid: uid };
      await checkpoints.save(folder, next);
      if (message && message.source) await this.postProcess(client, uid);
    }
  }

  private async publish(source: Buffer, uid: number, uidValidity: bigint): Promise<void> {
    const { ctx, folder, rules } = this.deps;
    const event = await buildEmailEvent(source, ctx.config, rules);
    event.payload.imap = { folder, uid, uidValidity: uidValidity.toString() };
    // Ignored mail is published too: raw events are the record, and a fixed rule can be replayed over them.
    await ctx.ingest({ providerEventId: event.providerEventId, payload: asRecord(event.payload), meta: event.flags.length > 0 ? { flags: event.flags } : {} });
    const ignored = classifyEmail(event.payload, event.flags);
    if (ignored) this.deps.onIgnored(ignored);
  }

  /** After the checkpoint moved: a failure here is logged, never retried (it would publish nothing new). */
  private async postProcess(client: ImapFlow, uid: number): Promise<void> {
    const action = this.deps.ctx.config.postProcess;
    if (action === 'none') return;
    try {
      if (action === 'seen') await client.messageFlagsAdd(String(uid), ['\\Seen'], { uid: true });
      else await client.messageMove(String(uid), action.slice('move:'.length), { uid: true });
    } catch (err) {
      this.deps.logger.warn({ event: 'email.post_process_failed', uid, action, reason: describeError(err) }, 'post-processing failed');
    }
  }
}
