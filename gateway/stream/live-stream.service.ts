import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { Topics } from '../../contracts/topics.js';
import type { Bus, BusRecord, Subscription } from '../../platform/bus/bus.port.js';
import { retry } from '../../platform/retry.js';
import type { OperatorToken } from '../../platform/http/admin-auth.js';
import type { Logger } from '../../platform/telemetry/logger.js';
import type { Metrics } from '../../platform/telemetry/metrics.js';
import { isLiveEvent } from './live-event.guard.js';
import { StreamHub, type StreamLimits } from './stream.hub.js';
import { createUpgradeHandler, type UpgradeHandler } from './stream.upgrade.js';

export interface LiveStreamSettings extends StreamLimits {
  /** Events older than this when read (bus record time) are not pushed: a popup for a call long over is noise. */
  maxEventAgeMs: number;
}

export interface LiveStreamDeps {
  bus: Bus;
  /** config.admin.token; without it every upgrade is refused with 401. */
  token: string | undefined;
  /** Read-only operator tokens, each pinned to its owner's events. */
  operators?: readonly OperatorToken[];
  settings: LiveStreamSettings;
  metrics: Metrics;
  logger: Logger;
  /** Consumer group on `leads.events.v1`; default {@link streamGroupName}. */
  group?: string;
}

/**
 * Every gateway instance must see every event, so each consumes in a group of its own. Host and port,
 * not the pid: a restarted gateway reuses its group instead of leaving one behind per restart (on the
 * embedded log a dead group's offset would hold back retention of the topic forever).
 */
export function streamGroupName(host: string, port: number): string {
  return `leadgate-stream-${host}-${port}`;
}

/**
 * The operators' live stream of one gateway process: consumes `leads.events.v1` from the current end
 * (never history) and fans the events out to WebSocket clients on `GET /v1/stream` of the gateway's own
 * HTTP server. Lifecycle: `start(server)` after `listen`, `stop()` before the server shuts down (an
 * upgraded socket would otherwise keep `server.close` waiting). Both idempotent.
 */
export class LiveStream {
  private readonly hub: StreamHub;
  private readonly upgrade: { handle: UpgradeHandler; close(): void };
  private server: Server | undefined;
  private subscription: Subscription | undefined;
  private starting: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;
  private resubscribing: Promise<void> | undefined;
  private readonly abort = new AbortController();

  constructor(private readonly deps: LiveStreamDeps) {
    const logger = deps.logger.child({ component: 'stream' });
    this.hub = new StreamHub({ limits: deps.settings, metrics: deps.metrics, logger });
    this.upgrade = createUpgradeHandler({ token: deps.token, ...(deps.operators ? { operators: deps.operators } : {}), hub: this.hub, metrics: deps.metrics, logger });
  }

  /** Connected clients right now. */
  get clients(): number {
    return this.hub.size;
  }

  start(server: Server): Promise<void> {
    this.starting ??= (async () => {
      const port = (server.address() as AddressInfo | null)?.port ?? 0;
      const group = this.deps.group ?? streamGroupName(hostname(), port);
      // Subscribed before clients can connect. On the embedded log the start position is fixed once this
      // resolves; Kafka joins the group a moment later, and events in between are not pushed (best effort).
      const subscribe = (): Promise<Subscription> => this.deps.bus.subscribe(Topics.events, group, (record) => this.onRecord(record), { fromBeginning: false });
      try {
        this.subscription = await subscribe();
      } catch (err) {
        // A gateway that spools through a Kafka outage must keep serving webhooks: the stream is best
        // effort, so it keeps trying in the background instead of failing the start.
        this.deps.logger.warn({ err }, 'stream.subscribe_failed_retrying');
        this.resubscribing = retry(subscribe, {
          retries: Infinity,
          initialMs: 1_000,
          maxMs: 30_000,
          signal: this.abort.signal,
          onRetry: (retryErr) => void this.deps.logger.debug({ err: retryErr }, 'stream.subscribe_retry'),
        }).then(
          (subscription) => {
            this.subscription = subscription;
            this.deps.logger.info('stream.subscribed');
          },
          () => undefined,
        );
      }
      this.hub.startHeartbeat();
      this.server = server;
      server.on('upgrade', this.upgrade.handle);
    })();
    return this.starting;
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      await this.starting?.catch(() => undefined);
      this.abort.abort(new Error('stream stopping'));
      await this.resubscribing;
      this.server?.off('upgrade', this.upgrade.handle);
      await Promise.all([
        this.subscription?.stop().catch((err: unknown) => this.deps.logger.warn({ err }, 'stream.unsubscribe_failed')),
        this.hub.close(),
      ]);
      this.upgrade.close();
    })();
    return this.stopping;
  }

  /** Never throws: the bus would retry the record forever, and a live event is not worth a stalled stream. */
  private async onRecord(record: BusRecord): Promise<void> {
    if (!isLiveEvent(record.value)) {
      this.deps.logger.debug({ offset: record.offset }, 'stream.event_skipped_invalid');
      return;
    }
    if (Date.now() - record.timestamp > this.deps.settings.maxEventAgeMs) return;
    this.hub.publish(record.value);
  }
}
