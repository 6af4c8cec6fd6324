import type { Logger } from 'pino';
import type { LiveEvent, LiveEventType } from '../../contracts/live-event.js';
import { Topics } from '../../contracts/topics.js';
import type { Bus } from '../../platform/bus/bus.port.js';

/**
 * Publishes router LiveEvents on `leads.events.v1`, keyed by the owner they concern (`all` when none).
 * Best effort, as the contract says: a failed publish is logged and never fails the lead, whose state is
 * in the store and the CRM anyway.
 */
export class LiveEventPublisher {
  constructor(
    private readonly bus: Bus,
    private readonly logger: Logger,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async publish(type: LiveEventType, fields: Omit<LiveEvent, 'v' | 'type' | 'at'> & { key?: string }): Promise<void> {
    const { key, ...rest } = fields;
    const event: LiveEvent = { v: 1, type, at: this.clock().toISOString(), ...rest };
    try {
      await this.bus.publish(Topics.events, key ?? fields.ownerId ?? 'all', event, { type });
    } catch (err) {
      this.logger.warn({ err, type, leadId: fields.leadId }, 'live event not published');
    }
  }
}
