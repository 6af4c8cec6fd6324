import type { Admin } from 'kafkajs';
import { retry } from '../retry.js';
import { isConnectionFailure } from './kafka-client.js';
import type { Logger } from '../telemetry/logger.js';

/** Creates topics explicitly (not via broker auto-create) so every topic gets the configured partition count. */
export interface KafkaTopicRegistry {
  /** Resolves once every topic exists with leaders elected; each name is checked against the broker once. */
  ensure(topics: readonly string[]): Promise<void>;
}

export interface KafkaTopicRegistryOptions {
  admin: Admin;
  partitions: number;
  replicationFactor: number;
  logger: Logger;
  /** Aborted when the bus closes, so no creation retries outlive it. */
  signal: AbortSignal;
}

export function createKafkaTopicRegistry(options: KafkaTopicRegistryOptions): KafkaTopicRegistry {
  const { admin, partitions, replicationFactor, logger, signal } = options;
  const known = new Set<string>();
  // Concurrent publishes to a new topic share one creation request instead of racing each other.
  const inFlight = new Map<string, Promise<void>>();

  async function create(missing: string[]): Promise<void> {
    // A new topic is visible to metadata requests a moment after CreateTopics returns (KRaft propagates
    // it asynchronously), so creation and the leader check are retried together until they agree.
    await retry(
      async () => {
        const existing = new Set(await admin.listTopics());
        const toCreate = missing.filter((t) => !existing.has(t));
        if (toCreate.length > 0) {
          try {
            await admin.createTopics({
              topics: toCreate.map((topic) => ({ topic, numPartitions: partitions, replicationFactor })),
            });
            logger.info({ topics: toCreate, partitions }, 'bus.topics.created');
          } catch (err) {
            // Another process (or the broker's auto-create) won the race; the topic is there, which is all we need.
            if (!isAlreadyExists(err)) throw err;
          }
        }
        const { topics } = await admin.fetchTopicMetadata({ topics: missing });
        const leaderless = topics.filter((t) => t.partitions.length === 0 || t.partitions.some((p) => p.leader < 0));
        if (leaderless.length > 0) throw new Error(`no leader yet for ${leaderless.map((t) => t.name).join(', ')}`);
      },
      // Only "not visible yet" is worth a quick retry; an unreachable broker already cost kafkajs its own retries.
      { retries: 30, initialMs: 50, maxMs: 1_000, signal, bail: (err) => isConnectionFailure(err) || signal.aborted },
    );
    for (const t of missing) known.add(t);
  }

  return {
    async ensure(topics) {
      const waits: Promise<void>[] = [];
      const missing: string[] = [];
      for (const t of new Set(topics)) {
        if (known.has(t)) continue;
        const pending = inFlight.get(t);
        if (pending) waits.push(pending);
        else missing.push(t);
      }
      if (missing.length > 0) {
        const job = create(missing).finally(() => {
          for (const t of missing) inFlight.delete(t);
        });
        for (const t of missing) inFlight.set(t, job);
        waits.push(job);
      }
      await Promise.all(waits);
    },
  };
}

function isAlreadyExists(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const { type, errors } = err as { type?: unknown; errors?: unknown };
  if (type === 'TOPIC_ALREADY_EXISTS') return true;
  return Array.isArray(errors) && errors.length > 0 && errors.every((e) => isAlreadyExists(e));
}
