import type { Bus, BusBatchHandler, BusHandler, BusRecord, Subscription } from '../../platform/bus/bus.port.js';
import type { Queryable, Store } from '../../platform/store/store.port.js';

/**
 * An in-memory Bus for HTTP-layer tests. It records what was published and can be told to fail (503 paths)
 * or to hold publishes until released (to prove a webhook answers only after the publish resolved).
 * Not a bus for pipeline tests: those use the real adapters.
 */
export class RecordingBus implements Bus {
  readonly kind = 'embedded' as const;
  readonly records: BusRecord[] = [];
  private failure: Error | undefined;
  private gate: Promise<void> | undefined;
  private openGate: (() => void) | undefined;
  private waiting = 0;

  async publish(topic: string, key: string, value: unknown, headers: Record<string, string> = {}): Promise<void> {
    this.waiting++;
    try {
      if (this.gate) await this.gate;
      if (this.failure) throw this.failure;
      // A deep copy, as a real bus serialises: later mutation by the caller must not change the record.
      this.records.push({
        topic,
        key,
        value: structuredClone(value),
        headers: { ...headers },
        offset: String(this.records.length),
        partition: 0,
        timestamp: Date.now(),
      });
    } finally {
      this.waiting--;
    }
  }

  async subscribe(_topic: string, _group: string, _handler: BusHandler): Promise<Subscription> {
    return { stop: async () => {} };
  }

  async subscribeBatch(_topic: string, _group: string, _handler: BusBatchHandler): Promise<Subscription> {
    return { stop: async () => {} };
  }

  async ready(): Promise<boolean> {
    return this.failure === undefined;
  }

  async close(): Promise<void> {}

  /** Every publish from now on rejects (and `ready()` turns false) until `recover()`. */
  fail(error: Error = new Error('bus down (test)')): void {
    this.failure = error;
  }

  recover(): void {
    this.failure = undefined;
  }

  /** Publishes wait until `release()`; nothing is recorded meanwhile. */
  hold(): void {
    if (this.gate) return;
    this.gate = new Promise((resolve) => {
      this.openGate = resolve;
    });
  }

  release(): void {
    this.openGate?.();
    this.gate = undefined;
    this.openGate = undefined;
  }

  /** Publishes started but not finished (waiting at the gate). */
  get pending(): number {
    return this.waiting;
  }

  on(topic: string): BusRecord[] {
    return this.records.filter((r) => r.topic === topic);
  }

  clear(): void {
    this.records.length = 0;
  }
}

/** Resolves once `predicate` holds, polling briefly; for waiting on a publish to reach the gate. */
export async function waitFor(predicate: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('waitFor: condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A Store for HTTP-layer tests: the gateway only asks it whether it is ready. */
export class StubStore implements Store {
  readonly kind = 'embedded' as const;
  healthy = true;

  async query<R extends Record<string, unknown> = Record<string, unknown>>(): Promise<R[]> {
    return [];
  }

  async tx<T>(fn: (q: Queryable) => Promise<T>): Promise<T> {
    return fn(this);
  }

  async ready(): Promise<boolean> {
    return this.healthy;
  }

  async close(): Promise<void> {}
}
