import type { Logger } from 'pino';
import type { LiveEvent, LiveEventType } from '../../contracts/live-event.js';
import { Topics } from '../../contracts/topics.js';
import type { Bus } from '../../platform/bus/bus.port.js';

/**
 * Publishes router LiveEvents on `leads.events.v1`, keyed by the owner they concern (`all` when none).
 * Best effort, as the contract says: a failed publish is logged and never fails the lead, whose state is
 * in the store and the CRM anyway. Nor does the lead wait for it: each publish costs a produce round
 * trip, and a lead announces up to four events, which held every lead up by as many round trips. The
 * bus keeps publishes in call order, so events still arrive in the order they were announced.
 */
export class LiveEventPublisher {
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly bus: Bus,
    private readonly logger: Logger,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /** Queues the event and returns at once; `flush` waits for what is queued. */
  async publish(type: LiveEventType, fields: Omit<LiveEvent, 'v' | 'type' | 'at'> & { key?: string }): Promise<void> {
    const { key, ...rest } = fields;
    const event: LiveEvent = { v: 1, type, at: this.clock().toISOString(), ...rest };
    const sent = this.bus.publish(Topics.events, key ?? fields.ownerId ?? 'all', event, { type }).catch((err: unknown) => {
      this.logger.warn({ err, type, leadId: fields.leadId }, 'live event not published');
    });
    this.pending.add(sent);
    void sent.finally(() => this.pending.delete(sent));
  }

  /** Waits until every queued event was published or given up (before the bus closes). */
  async flush(): Promise<void> {
    await Promise.all([...this.pending]);
  }
}
