import type { Router } from 'express';
import type { Logger } from 'pino';
import type { RingingCall } from '../contracts/live-event.js';
import type { Channel, RawEventV1 } from '../contracts/raw-event.js';
import type { Mapper } from '../contracts/lead-draft.js';
import type { Store } from '../platform/store/store.port.js';
import type { Metrics } from '../platform/telemetry/metrics.js';

/** One configured connector instance: `id` is unique in the config, `kind` picks the plugin. */
export interface ConnectorConfig {
  id: string;
  kind: string;
  [setting: string]: unknown;
}

/** What an ingress hands the gateway: the provider's request, still uninterpreted. */
export interface IngestRequest {
  /** The provider's id for this event; the raw-event key (and so dedupe) is built from it. */
  providerEventId?: string;
  payload: Record<string, unknown>;
  meta: RawEventV1['meta'];
  /** Overrides the connector kind's channel (e.g. a generic webhook that carries calls). */
  channel?: Channel;
}

export interface IngestResult {
  eventId: string;
  key: string;
}

export interface ConnectorContext<C extends ConnectorConfig = ConnectorConfig> {
  config: Readonly<C>;
  /** Publishes the raw event durably; resolves only once it is stored. Throws LeadgateError BUS_UNAVAILABLE. */
  ingest(request: IngestRequest): Promise<IngestResult>;
  /** Counts a rejected request (bad signature, bad body) in metrics under this connector. */
  reject(outcome: 'unauthorized' | 'invalid' | 'ignored' | 'spam'): void;
  logger: Logger;
  /** For checkpoints and offsets (IMAP UIDs, Telegram offset). */
  store: Store;
  /** The process's metrics, for connector-specific counters (e-mail ignored by reason). */
  metrics: Metrics;
  /**
   * Reports the start of an inbound call, once its raw event is durable, so the gateway can push a
   * `call.ringing` popup with the known caller. Returns at once and never throws (best effort); absent
   * where no live stream is wired (plain app tests).
   */
  announceRinging?(call: RingingCall): void;
}

/** A running background ingress (IMAP IDLE loop, Telegram poller). */
export interface RunningIngress {
  /** 'ok', or why it is not (auth failures, disabled). Shown by `/ready`. */
  health(): { healthy: boolean; reason?: string };
  /** Idempotent. */
  stop(): Promise<void>;
}

/**
 * A connector plugin: one folder under `connectors/`, one line in `connectors/registry.ts`.
 * The mapper is pure and runs in the normalizer; ingress runs in the gateway.
 */
export interface ConnectorPlugin<C extends ConnectorConfig = ConnectorConfig> {
  kind: string;
  channel: Channel;
  /** JSON Schema of this kind's instance config (including `id` and `kind`); checked at start. */
  configSchema: Record<string, unknown>;
  mapper: Mapper;
  /** Webhook routes, mounted under `/v1/hooks/<connector id>`. */
  createRouter?(ctx: ConnectorContext<C>): Router;
  /** Background ingress started with the gateway role. */
  start?(ctx: ConnectorContext<C>): Promise<RunningIngress>;
}
