import type { ImapFlow } from 'imapflow';
import type { ConnectorContext, RunningIngress } from '../connector.port.js';
import { Metrics } from '../../platform/telemetry/metrics.js';
import { CheckpointStore } from './email.checkpoint.js';
import type { EmailIgnoreCode } from './email.classify.js';
import type { EmailConfig } from './email.config.js';
import { compileFormRules } from './email.form-rules.js';
import { EmailHealth } from './email.health.js';
import { createImapClient, FolderWorker } from './email.mailbox.js';

/** How long `stop()` lets a worker finish the message in flight before cutting its connection. */
const STOP_GRACE_MS = 5000;

export interface EmailIngressOptions {
  /** Where `leadgate_email_ignored_total` and `leadgate_connector_healthy` go; see `metricsOf`. */
  metrics?: Metrics;
  /** Client factory; tests swap it to inject faults at the library boundary. */
  createClient?: (config: Readonly<EmailConfig>) => ImapFlow;
}

export interface RunningEmailIngress extends RunningIngress {
  /** Resolves when every folder worker has ended (stopped or disabled). */
  readonly done: Promise<void>;
}

export function metricsOf(ctx: ConnectorContext<EmailConfig>): Metrics | undefined {
  return ctx.metrics;
}

/**
 * Starts one worker per watched folder and returns at once; connecting happens in the background, so a
 * mailbox that is down never delays the gateway. Delivery guarantee: a message's checkpoint moves only
 * after `ctx.ingest` resolved (at-least-once; the Message-ID event key makes the repeat a no-op).
 * `stop()` is idempotent and lets the message in flight finish (up to 5 s).
 */
export async function startEmailIngress(ctx: ConnectorContext<EmailConfig>, options: EmailIngressOptions = {}): Promise<RunningEmailIngress> {
  const config = ctx.config;
  const rules = compileFormRules(config.formRules ?? []);
  const metrics = options.metrics ?? metricsOf(ctx);
  const controller = new AbortController();
  const health = new EmailHealth(config.authFailureLimit, (reason) => {
    ctx.logger.error({ event: 'connector.disabled', reason }, 'e-mail connector disabled');
    metrics?.connectorHealthy.set({ connector: config.id }, 0);
    controller.abort();
  });
  const checkpoints = new CheckpointStore(ctx.checkpoints);
  const onIgnored = (code: EmailIgnoreCode): void => {
    metrics?.emailIgnored.inc({ connector: config.id, reason: code });
  };
  const workers = config.folders.map(
    (folder) =>
      new FolderWorker({
        ctx,
        folder,
        checkpoints,
        rules,
        health,
        signal: controller.signal,
        logger: ctx.logger.child({ folder }),
        onIgnored,
        createClient: options.createClient ?? createImapClient,
      }),
  );
  const done = Promise.all(
    workers.map((w) =>
      w.run().catch((err: unknown) => {
        // run() handles its own failures; reaching here is a bug, reported rather than left unhandled.
        ctx.logger.error({ err, event: 'connector.crash' }, 'e-mail folder worker crashed');
      }),
    ),
  ).then(() => undefined);

  let stopping: Promise<void> | undefined;
  return {
    done,
    health: () => health.snapshot(),
    stop() {
      stopping ??= (async () => {
        controller.abort();
        const grace = setTimeout(() => workers.forEach((w) => w.closeConnection()), STOP_GRACE_MS);
        try {
          await done;
        } finally {
          clearTimeout(grace);
        }
      })();
      return stopping;
    },
  };
}
