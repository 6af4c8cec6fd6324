import type { Logger } from '../telemetry/logger.js';
import { retry } from '../retry.js';

/**
 * Whether the spooling bus believes Kafka is reachable. Marked down by a failed publish; while down, one
 * probe at a time (`probe`, normally the Kafka bus's `ready()`) runs every `intervalMs` until it passes.
 * The forwarder waits on it so that an outage costs one failed attempt, not a backoff that grows to 30 s.
 */
export class SpoolHealthGate {
  private up = true;
  private probing = false;
  private closed = false;
  /**
   * Forwards waiting for Kafka, settled together by the probe or by `close`. No abort listener per waiter:
   * the forwarder runs up to 256 keys at once, which would pass Node's listener limit on a shared signal.
   */
  private readonly waiters = new Set<{ resolve: () => void; reject: (err: Error) => void }>();

  constructor(
    private readonly probe: () => Promise<boolean>,
    private readonly intervalMs: number,
    private readonly logger: Logger,
  ) {}

  get healthy(): boolean {
    return this.up;
  }

  markDown(): void {
    if (this.closed) return;
    if (this.up) this.logger.warn({ event: 'bus.spool.kafka_down' }, 'Kafka unreachable: spooling raw events locally');
    this.up = false;
    if (!this.probing) void this.runProbes();
  }

  /** Resolves when Kafka is believed up; rejects once the gate is closed. */
  waitHealthy(): Promise<void> {
    if (this.up) return Promise.resolve();
    if (this.closed) return Promise.reject(new Error('spool health gate closed'));
    return new Promise<void>((resolve, reject) => void this.waiters.add({ resolve, reject }));
  }

  close(): void {
    this.closed = true;
    const closed = new Error('spool health gate closed');
    for (const waiter of this.waiters) waiter.reject(closed);
    this.waiters.clear();
  }

  private async runProbes(): Promise<void> {
    this.probing = true;
    const stopped = new AbortController();
    try {
      // Fixed-interval probing through the shared retry helper (factor 1): an outage is not the probe's fault.
      await retry(
        async () => {
          if (this.closed) stopped.abort(new Error('spool health gate closed'));
          else if (!(await this.probe().catch(() => false))) throw new Error('Kafka not ready');
        },
        { retries: Infinity, initialMs: this.intervalMs, maxMs: this.intervalMs, factor: 1, signal: stopped.signal },
      );
      if (this.closed) return;
      this.up = true;
      this.logger.warn({ event: 'bus.spool.kafka_up' }, 'Kafka reachable again: forwarding the spool');
      for (const waiter of this.waiters) waiter.resolve();
      this.waiters.clear();
    } catch {
      // Only a close ends the probing.
    } finally {
      this.probing = false;
    }
  }
}
