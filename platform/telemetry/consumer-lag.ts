import type { Admin } from 'kafkajs';
import { createKafkaClient, withTimeout } from '../bus/kafka-client.js';
import type { Store } from '../store/store.port.js';
import type { Logger } from './logger.js';

/** Records a consumer group has not processed yet on one partition. */
export interface LagSample {
  group: string;
  topic: string;
  partition: number;
  lag: number;
}

/** Reads consumer lag from wherever the bus keeps its offsets. */
export type LagReader = () => Promise<LagSample[]>;

/** The embedded log: one partition per topic; a group's offset is the last sequence it committed. */
export function embeddedLagReader(store: Store): LagReader {
  return async () => {
    const rows = await store.query<{ grp: string; topic: string; lag: string | number }>(
      `select o.grp, o.topic, greatest(coalesce((select max(seq) from bus_log l where l.topic = o.topic), 0) - o.seq, 0) as lag from bus_offsets o`,
    );
    return rows.map((r) => ({ group: r.grp, topic: r.topic, partition: 0, lag: Number(r.lag) }));
  };
}

/**
 * Kafka: every consumer group's committed offsets (of this namespace, when one is set) against each
 * partition's high watermark, through a separate admin client so scraping never touches the data path.
 */
export function kafkaLagReader(options: { brokers: string[]; clientId: string; namespace?: string; logger: Logger; timeoutMs?: number }): LagReader & { close(): Promise<void> } {
  const timeoutMs = options.timeoutMs ?? 3000;
  let admin: Admin | undefined;
  let connecting: Promise<Admin> | undefined;
  const connect = (): Promise<Admin> => {
    connecting ??= (async () => {
      const client = createKafkaClient({ brokers: options.brokers, clientId: `${options.clientId}-metrics`, logger: options.logger, connectionTimeoutMs: timeoutMs, requestTimeoutMs: timeoutMs });
      const a = client.admin();
      await a.connect();
      admin = a;
      return a;
    })().catch((err: unknown) => {
      connecting = undefined;
      throw err;
    });
    return connecting;
  };
  const read = async (): Promise<LagSample[]> => {
    const a = await connect();
    const { groups } = await a.listGroups();
    const wanted = groups.filter((g) => g.protocolType === 'consumer' && (options.namespace ? g.groupId.startsWith(`${options.namespace}.`) : g.groupId.startsWith('leadgate')));
    const highs = new Map<string, Map<number, number>>();
    const samples: LagSample[] = [];
    for (const { groupId } of wanted) {
      for (const { topic, partitions } of await a.fetchOffsets({ groupId })) {
        let high = highs.get(topic);
        if (!high) {
          high = new Map((await a.fetchTopicOffsets(topic)).map((p) => [p.partition, Number(p.high)]));
          highs.set(topic, high);
        }
        for (const p of partitions) {
          const end = high.get(p.partition) ?? 0;
          // -1: nothing committed yet; the whole partition is still to be read.
          const committed = Number(p.offset) < 0 ? 0 : Number(p.offset);
          samples.push({ group: groupId, topic, partition: p.partition, lag: Math.max(end - committed, 0) });
        }
      }
    }
    return samples;
  };
  const reader = (() => withTimeout(read(), timeoutMs * 2, () => new Error('consumer lag: Kafka did not answer'))) as LagReader & { close(): Promise<void> };
  reader.close = async () => {
    await admin?.disconnect().catch(() => undefined);
  };
  return reader;
}
