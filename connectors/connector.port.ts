import type { Router } from 'express';
import type { Logger } from 'pino';
import type { Channel, RawEventV1 } from '../contracts/raw-event.js';
import type { Mapper } from '../contracts/lead-draft.js';
import type { Store } from '../platform/store/store.port.js';
import type { Metrics } from '../platform/telemetry/metrics.js';
import type { ConnectorCheckpoints } from './contract/checkpoints.js';
import type { ConnectorSignal } from './contract/connector-signal.js';

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
  /** The store, for connector-owned tables (the telephony call tracker). Cursors belong in `checkpoints`. */
  store: Store;
  /** Durable cursors of this connector (IMAP UIDs, Telegram offset); put one only after the publish resolved. */
  checkpoints: ConnectorCheckpoints;
  /** The process's metrics, for connector-specific counters (e-mail ignored by reason). */
  metrics: Metrics;
  /** `server.bodyLimitBytes`: every body an ingress reads is capped at this (larger gets 413). */
  bodyLimitBytes: number;
  /**
   * Reports a connector-specific signal (a call ringing) once its raw event is durable. Returns at once and
   * never throws (best effort); signals nobody handles are dropped.
   */
  emit(signal: ConnectorSignal): void;
}

/** A running background ingress (IMAP IDLE loop, Telegram poller). */
export interface RunningIngress {
  /** 'ok', or why it is not (auth failures, disabled). Shown by `/ready`. */
  health(): { healthy: boolean; reason?: string };
  /** Idempotent. */
  stop(): Promise<void>;
}

/**
 * A connector plugin: one folder under `connectors/`, one line in `connectors/registry.ts`. Built with
 * `defineConnector` (connectors/contract/define-connector.ts), which derives the config type from its spec.
 * The mapper is pure and runs in the normalizer; ingress runs in the gateway.
 */
export interface ConnectorPlugin<C extends ConnectorConfig = ConnectorConfig> {
  kind: string;
  channel: Channel;
  /** JSON Schema of this kind's instance config (including `id` and `kind`); checked at start. */
  configSchema: Record<string, unknown>;
  /** Key paths of this kind's config holding credentials (redacted from logs). */
  secretPaths?: readonly string[];
  mapper: Mapper;
  /** Webhook routes, mounted under `/v1/hooks/<connector id>`. */
  createRouter?(ctx: ConnectorContext<C>): Router;
  /** Background ingress started with the gateway role. */
  start?(ctx: ConnectorContext<C>): Promise<RunningIngress>;
}
