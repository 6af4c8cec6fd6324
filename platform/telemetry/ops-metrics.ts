import { Counter, Gauge, type Registry } from 'prom-client';
import type { Store } from '../store/store.port.js';
import { leadgateVersion } from './build-info.js';
import type { LagReader } from './consumer-lag.js';
import type { Logger } from './logger.js';

/** What the scrape-time gauges read from; attached once the process has opened them. */
export interface OperationalSources {
  store: Store;
  lag: LagReader;
  logger: Logger;
  /** The spool's configured capacity (gateway with a Kafka spool), for the "spool filling" alert. */
  spoolCapacity?: number;
}

/**
 * Operational metrics for dashboards and alerts: values read from the store and the broker at scrape
 * time (so every replica reports the same truth, not a per-process count), build info, and delivery
 * results by response code. Kept apart from the stage metrics in metrics.ts.
 */
export class OperationalMetrics {
  private sources: OperationalSources | undefined;

  readonly buildInfo: Gauge<'version' | 'node_version' | 'kafka_client'>;
  readonly deliveryResults: Counter<'destination' | 'outcome' | 'code'>;
  readonly dlqDepth: Gauge<'stage' | 'destination'>;
  readonly consumerLag: Gauge<'group' | 'topic' | 'partition'>;
  readonly spoolCapacity: Gauge;
  readonly scrapeErrors: Counter<'source'>;

  constructor(registry: Registry) {
    const ops = this;
    this.buildInfo = new Gauge({
      name: 'leadgate_build_info',
      help: 'Always 1; the labels say which Leadgate, Node.js and Kafka client this process runs.',
      labelNames: ['version', 'node_version', 'kafka_client'] as const,
      registers: [registry],
    });
    this.buildInfo.set({ version: leadgateVersion(), node_version: process.version, kafka_client: 'kafkajs' }, 1);
    this.deliveryResults = new Counter({
      name: 'leadgate_router_delivery_results_total',
      help: "Delivery attempts by destination, outcome (delivered, retry, dead_lettered) and code: the CRM's HTTP status, or the error code when there was no answer.",
      labelNames: ['destination', 'outcome', 'code'] as const,
      registers: [registry],
    });
    this.scrapeErrors = new Counter({
      name: 'leadgate_metrics_scrape_errors_total',
      help: 'Scrape-time reads that failed (store or broker unreachable), by source (dlq, consumer_lag).',
      labelNames: ['source'] as const,
      registers: [registry],
    });
    this.dlqDepth = new Gauge({
      name: 'leadgate_dlq_depth',
      help: 'Dead letters in the store not replayed yet, by stage and destination (read from the store on scrape).',
      labelNames: ['stage', 'destination'] as const,
      registers: [registry],
      async collect() {
        await ops.collect('dlq', async (s) => {
          const rows = await s.store.query<{ stage: string; destination: string | null; n: string | number }>(
            'select stage, destination, count(*) as n from dead_letters where replayed_at is null group by stage, destination',
          );
          this.reset();
          // Zero series for the stages, so "DLQ non-empty" alerts and panels have a line before the first letter.
          for (const stage of ['normalizer', 'router']) this.set({ stage, destination: '' }, 0);
          for (const r of rows) this.set({ stage: r.stage, destination: r.destination ?? '' }, Number(r.n));
        });
      },
    });
    this.consumerLag = new Gauge({
      name: 'leadgate_consumer_lag_records',
      help: 'Records a consumer group has not processed yet, per topic and partition (Kafka or the embedded log, read on scrape).',
      labelNames: ['group', 'topic', 'partition'] as const,
      registers: [registry],
      async collect() {
        await ops.collect('consumer_lag', async (s) => {
          const samples = await s.lag();
          this.reset();
          for (const x of samples) this.set({ group: x.group, topic: x.topic, partition: String(x.partition) }, x.lag);
        });
      },
    });
    this.spoolCapacity = new Gauge({
      name: 'leadgate_gateway_spool_capacity_records',
      help: "The local spool's capacity (bus.spool.maxRecords); 0 when this process has no spool.",
      registers: [registry],
    });
    this.spoolCapacity.set(0);
  }

  /** Starts the scrape-time gauges; before this they report nothing (a CLI process never attaches). */
  attach(sources: OperationalSources): void {
    this.sources = sources;
    this.spoolCapacity.set(sources.spoolCapacity ?? 0);
  }

  /** One delivery attempt's result; `code` is the HTTP status when the CRM answered. */
  recordDelivery(destination: string, outcome: string, code: string | number | undefined): void {
    this.deliveryResults.inc({ destination, outcome, code: code === undefined ? 'none' : String(code) });
  }

  private async collect(source: string, read: (s: OperationalSources) => Promise<void>): Promise<void> {
    const s = this.sources;
    if (!s) return;
    try {
      await read(s);
    } catch (err) {
      // A scrape must still answer when Kafka or the store is down; the error counter shows the gap.
      this.scrapeErrors.inc({ source });
      s.logger.debug({ err, source }, 'metrics: scrape-time read failed');
    }
  }
}
