import type { Logger } from 'pino';
import type { ConnectorContext, ConnectorPlugin, RunningIngress } from '../connectors/connector.port.js';
import type { Metrics } from '../platform/telemetry/metrics.js';
import type { IngressHealth } from './health.routes.js';

export interface BackgroundConnector {
  plugin: ConnectorPlugin;
  ctx: ConnectorContext;
}

/** Starts and stops the background ingresses (pollers, IMAP loops) of the gateway role. */
export interface IngressHandle {
  /** Starts every plugin that has `start`. Idempotent; a plugin whose start fails is reported unhealthy, not retried. */
  start(): Promise<void>;
  /** Stops them all. Idempotent; safe before `start`. */
  stop(): Promise<void>;
  /** Health per started background connector, keyed by connector id. */
  health(): Record<string, IngressHealth>;
}

export function createIngressHandle(connectors: BackgroundConnector[], metrics: Metrics, logger: Logger): IngressHandle {
  const running = new Map<string, RunningIngress>();
  const failed = new Map<string, string>();
  let starting: Promise<void> | undefined;
  let stopping: Promise<void> | undefined;

  const startOne = async ({ plugin, ctx }: BackgroundConnector): Promise<void> => {
    const id = ctx.config.id;
    if (!plugin.start) return;
    try {
      running.set(id, await plugin.start(ctx));
      ctx.logger.debug({ event: 'connector.start' }, 'background ingress started');
    } catch (err) {
      // One broken mailbox must not keep the webhooks of every other connector offline.
      failed.set(id, err instanceof Error ? `start failed: ${err.message}` : 'start failed');
      ctx.logger.error({ err, event: 'connector.crash' }, 'background ingress failed to start');
    }
  };

  const health = (): Record<string, IngressHealth> => {
    const out: Record<string, IngressHealth> = {};
    for (const [id, reason] of failed) out[id] = { healthy: false, reason };
    for (const [id, ingress] of running) {
      let h: IngressHealth;
      try {
        h = ingress.health();
      } catch (err) {
        h = { healthy: false, reason: err instanceof Error ? err.message : 'health check threw' };
      }
      out[id] = h.reason ? { healthy: h.healthy, reason: h.reason } : { healthy: h.healthy };
    }
    for (const [id, h] of Object.entries(out)) metrics.connectorHealthy.set({ connector: id }, h.healthy ? 1 : 0);
    return out;
  };

  return {
    start() {
      if (!starting) {
        stopping = undefined;
        starting = Promise.all(connectors.map(startOne)).then(() => undefined);
      }
      return starting;
    },
    stop() {
      if (!stopping) {
        const pendingStart = starting ?? Promise.resolve();
        stopping = pendingStart.then(async () => {
          const entries = [...running.entries()];
          running.clear();
          failed.clear();
          starting = undefined;
          await Promise.all(
            entries.map(async ([id, ingress]) => {
              try {
                await ingress.stop();
              } catch (err) {
                logger.warn({ err, connector: id, event: 'connector.stop_failed' }, 'background ingress did not stop cleanly');
              }
            }),
          );
        });
      }
      return stopping;
    },
    health,
  };
}
