import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { OperationalMetrics } from './ops-metrics.js';

/**
 * All Prometheus metrics of one process, on one registry (so tests can build isolated instances).
 * Names follow `leadgate_<stage>_<what>_<unit>`.
 */
export class Metrics {
  readonly registry = new Registry();

  readonly eventsReceived = new Counter({
    name: 'leadgate_gateway_events_total',
    help: 'Webhook requests and polled messages by connector and outcome (accepted, duplicate, invalid, unauthorized, ignored, spam, unavailable).',
    labelNames: ['connector', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly ingestLatency = new Histogram({
    name: 'leadgate_gateway_ingest_seconds',
    help: 'Time from request received to durable publish (what the provider waits for).',
    labelNames: ['connector'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  readonly normalized = new Counter({
    name: 'leadgate_normalizer_records_total',
    help: 'Raw events processed by the normalizer, by outcome (lead_created, activity, ignored, duplicate, dead_lettered).',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly poisonRecords = new Counter({
    name: 'leadgate_bus_poison_records_total',
    help: 'Records a consumer gave up on (platform/bus/poison-guard.ts), by stage, topic, failure (permanent, repeated, exhausted) and action (dead_lettered, skipped).',
    labelNames: ['stage', 'topic', 'failure', 'action'] as const,
    registers: [this.registry],
  });

  readonly handlerRetries = new Counter({
    name: 'leadgate_bus_handler_retries_total',
    help: 'Handler attempts that failed with a retriable error and were retried after a backoff, by stage and topic.',
    labelNames: ['stage', 'topic'] as const,
    registers: [this.registry],
  });

  readonly deliveries = new Counter({
    name: 'leadgate_router_deliveries_total',
    help: 'Delivery attempts by destination and outcome (delivered, already_delivered, in_doubt, retry, dead_lettered, skipped_spam).',
    labelNames: ['destination', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly deliveryLatency = new Histogram({
    name: 'leadgate_router_delivery_seconds',
    help: 'Duration of one delivery request to a destination.',
    labelNames: ['destination'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  readonly connectorHealthy = new Gauge({
    name: 'leadgate_connector_healthy',
    help: '1 when a background connector (IMAP, polling bot) is healthy, 0 when failing or disabled.',
    labelNames: ['connector'] as const,
    registers: [this.registry],
  });

  readonly emailIgnored = new Counter({
    name: 'leadgate_email_ignored_total',
    help: 'E-mails read by the IMAP ingress that are not leads, by connector and reason (bounce, auto_reply, bulk, internal, no_sender, unparseable).',
    labelNames: ['connector', 'reason'] as const,
    registers: [this.registry],
  });

  readonly spoolDepth = new Gauge({
    name: 'leadgate_gateway_spool_records',
    help: 'Raw events held in the gateway\'s local spool (Kafka unreachable), not yet forwarded to Kafka.',
    registers: [this.registry],
  });

  readonly spoolOldestAge = new Gauge({
    name: 'leadgate_gateway_spool_oldest_age_seconds',
    help: 'Age of the oldest raw event still in the local spool; 0 when the spool is empty.',
    registers: [this.registry],
  });

  readonly destinationBreakerState = new Gauge({
    name: 'leadgate_router_destination_breaker_state',
    help: "Circuit breaker of a destination: 0 closed, 1 open, 2 half-open, 3 isolated.",
    labelNames: ['destination'] as const,
    registers: [this.registry],
  });

  readonly destinationParked = new Gauge({
    name: 'leadgate_router_destination_parked',
    help: '1 while a destination is parked (manual block, auth failure, daily cap): nothing is sent, deliveries stay pending.',
    labelNames: ['destination', 'code'] as const,
    registers: [this.registry],
  });

  readonly destinationThrottleWait = new Counter({
    name: 'leadgate_router_destination_throttle_wait_seconds_total',
    help: "Seconds deliveries waited for the destination's rate limiter.",
    labelNames: ['destination'] as const,
    registers: [this.registry],
  });

  readonly deadLettersIndexed = new Counter({
    name: 'leadgate_dlq_indexed_total',
    help: 'Dead letters recorded in the DLQ index, by stage and destination.',
    labelNames: ['stage', 'destination'] as const,
    registers: [this.registry],
  });

  readonly contactMerges = new Counter({
    name: 'leadgate_normalizer_contact_merges_total',
    help: 'Contacts folded into an older one because a request linked their identities.',
    registers: [this.registry],
  });

  readonly contactsErased = new Counter({
    name: 'leadgate_normalizer_contacts_erased_total',
    help: 'Contact erasures (152-FZ / GDPR) by outcome (erased, already_erased, not_found).',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly leadsClosed = new Counter({
    name: 'leadgate_normalizer_leads_closed_total',
    help: 'Leads closed through the admin API (no longer open for merging).',
    registers: [this.registry],
  });

  readonly firstResponse = new Histogram({
    name: 'leadgate_router_first_response_seconds',
    help: 'Time from a lead reaching the router to its first response (POST /v1/leads/:id/first-response); the median is the speed of reaction.',
    labelNames: ['rule'] as const,
    buckets: [30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 86400],
    registers: [this.registry],
  });

  readonly slaBreaches = new Counter({
    name: 'leadgate_router_sla_breaches_total',
    help: 'First-response deadlines missed, by routing rule (each escalation level counts once).',
    labelNames: ['rule'] as const,
    registers: [this.registry],
  });

  readonly leadsAssigned = new Counter({
    name: 'leadgate_router_leads_assigned_total',
    help: 'Leads given an owner, by owner and routing rule (SLA reassignments included, rule `sla_escalation`).',
    labelNames: ['owner', 'rule'] as const,
    registers: [this.registry],
  });

  readonly callbackTasks = new Counter({
    name: 'leadgate_router_callback_tasks_total',
    help: 'Callback task changes caused by calls, by action (created, updated, closed).',
    labelNames: ['action'] as const,
    registers: [this.registry],
  });

  readonly streamClients = new Gauge({
    name: 'leadgate_stream_clients',
    help: 'WebSocket clients connected to this gateway\'s live stream.',
    registers: [this.registry],
  });

  readonly streamClientsDropped = new Counter({
    name: 'leadgate_stream_clients_dropped_total',
    help: 'Live stream clients cut by the server, by reason (slow: over the send buffer cap; heartbeat: missed a pong).',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  readonly streamRejected = new Counter({
    name: 'leadgate_stream_rejected_total',
    help: 'Live stream connections refused, by reason (unauthorized, not_found, invalid, full).',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  readonly streamEventsPushed = new Counter({
    name: 'leadgate_stream_events_pushed_total',
    help: 'Live events sent to stream clients (one per client reached), by event type.',
    labelNames: ['type'] as const,
    registers: [this.registry],
  });

  // --- operational metrics (scrape-time gauges, build info, results by code): see ops-metrics.ts ---
  readonly ops = new OperationalMetrics(this.registry);

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }
}
