import type { Metrics } from '../../platform/telemetry/metrics.js';

/** Outcome counts per connector: `{ site: { accepted: 12, unauthorized: 1 } }`. */
export type OutcomeCounts = Record<string, Record<string, number>>;

interface Snapshot {
  at: number;
  counts: OutcomeCounts;
}

const minuteMs = 60_000;
const hourMs = 60 * minuteMs;

/**
 * Events received and rejected per connector and reason over the last hour, from the gateway's own
 * `leadgate_events_received_total` counter: rejected requests never reach the store, so the counter is
 * the only place that knows them. A snapshot per minute (61 kept) gives the hour as a difference; in a
 * process younger than an hour the figure is "since start". Per gateway process, like the counter.
 */
export class ConnectorActivity {
  private readonly snapshots: Snapshot[] = [{ at: Date.now(), counts: {} }];
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly metrics: Metrics) {
    this.timer = setInterval(() => void this.sample(), minuteMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async current(): Promise<OutcomeCounts> {
    const { values } = await this.metrics.eventsReceived.get();
    const counts: OutcomeCounts = {};
    for (const { labels, value } of values) {
      const connector = String(labels.connector ?? '');
      const outcome = String(labels.outcome ?? '');
      (counts[connector] ??= {})[outcome] = value;
    }
    return counts;
  }

  private async sample(): Promise<void> {
    this.snapshots.push({ at: Date.now(), counts: await this.current() });
    while (this.snapshots.length > 61) this.snapshots.shift();
  }

  /** Counts since the oldest snapshot within the last hour (or since start). */
  async lastHour(): Promise<OutcomeCounts> {
    const now = await this.current();
    const cutoff = Date.now() - hourMs;
    const base = this.snapshots.find((s) => s.at >= cutoff) ?? this.snapshots[this.snapshots.length - 1];
    const out: OutcomeCounts = {};
    for (const [connector, outcomes] of Object.entries(now)) {
      for (const [outcome, value] of Object.entries(outcomes)) {
        const delta = value - (base?.counts[connector]?.[outcome] ?? 0);
        if (delta > 0) (out[connector] ??= {})[outcome] = delta;
      }
    }
    return out;
  }
}
