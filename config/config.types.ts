import type { ConnectorConfig } from '../connectors/connector.port.js';
import type { DestinationConfig } from '../router/destinations/destination.config.js';

import type { CallbacksConfig, OwnerConfig, RoutingRule, SlaConfig } from '../router/rules/routing.config.js';

export type { OwnerConfig, RoutingRule, SlaConfig, CallbacksConfig } from '../router/rules/routing.config.js';

export type { WebhookDestinationConfig, DestinationConfig } from '../router/destinations/destination.config.js';

/** The validated, defaulted and frozen configuration (see config.schema.ts and config/leadgate.example.yaml). */
export interface LeadgateConfig {
  server: {
    host: string;
    port: number;
    bodyLimitBytes: number;
    headersTimeoutMs: number;
    requestTimeoutMs: number;
    keepAliveTimeoutMs: number;
    maxConnections: number;
    shutdownGraceMs: number;
  };
  /** `/metrics` on a separate listener (`port`) and/or behind a bearer token. */
  metrics: { port?: number; host: string; token?: string };
  admin: { token?: string; operators: { ownerId: string; token: string }[] };
  /** Live stream limits per gateway process (docs/live-stream.md). */
  stream: { enabled: boolean; heartbeatMs: number; maxClients: number; maxBufferedBytes: number; maxEventAgeMs: number };
  /** `spool`: the gateway's local spool for Kafka outages (raw topic only; see platform/bus/spooling-bus.ts). */
  bus: {
    namespace?: string;
    kafka?: { brokers: string[]; clientId: string; partitions: number };
    spool?: { enabled: boolean; dataDir: string; maxRecords: number };
    /** Bounded retry and dead-lettering of records a consumer cannot process (docs/faults.md). */
    poison: { attempts: number; sameFailureLimit: number; initialMs: number; maxMs: number };
  };
  store: { url?: string; poolSize: number; dataDir: string };
  normalizer: {
    defaultRegion: string;
    /** Default merge window; `mergeWindows` overrides it per channel (minutes). */
    mergeWindowMinutes: number;
    mergeWindows: Record<string, number>;
    phone: { vanity: boolean; assumeDefaultRegion: boolean };
    email: { providerRules: boolean };
    name: { titleCase: boolean };
    /** Office numbers and addresses several people use: shown to the CRM, never an identity (docs/identity.md). */
    sharedContacts: { phones: string[]; emails: string[] };
    /** Bounds within which the provider's `occurredAt` is the event time (docs/identity.md). */
    eventTime: { maxSkewMinutes: number; maxPastDays: number };
    /** Content-hash dedupe of requests without a provider id: the retry window, from the first receipt. */
    contentDedupe: { retryWindowMinutes: number };
    /** Batch consumption: one transaction per fetched batch of raw events (normalizer.batch.ts). */
    batch: { enabled: boolean; maxRecords: number };
  };
  router: {
    owners: OwnerConfig[];
    /** Ordered routing rules (see docs/routing.md); empty: round-robin over every owner, sticky to the contact's owner. */
    rules: RoutingRule[];
    fallbackOwner?: string;
    sla: SlaConfig;
    callbacks: CallbacksConfig;
    destination: DestinationConfig;
    retry: { attempts: number; initialMs: number; maxMs: number };
    /** Batch consumption: one transaction per fetched batch of Lead v1 (router.batch.ts). */
    batch: { enabled: boolean; maxRecords: number };
  };
  connectors: ConnectorConfig[];
}
