import type { DeadLetter } from '../contracts/delivery.js';
import { Topics } from '../contracts/topics.js';
import type { Bus } from './bus/bus.port.js';

/**
 * Parks a record on the dead-letter topic with the reason. The caller resolves its handler only after
 * this resolved, so a record is either processed, retried, or on the DLQ: never dropped.
 */
export async function deadLetter(bus: Bus, letter: Omit<DeadLetter, 'v' | 'failedAt'>): Promise<void> {
  const value: DeadLetter = { v: 1, failedAt: new Date().toISOString(), ...letter };
  await bus.publish(Topics.dlq, letter.key, value, { stage: letter.stage, code: letter.code });
}
