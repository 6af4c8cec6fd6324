import type { BatchSubscribeOptions, Bus, BusBatchHandler, BusHandler, SubscribeOptions, Subscription } from './bus.port.js';

/**
 * Prefixes every topic and consumer group, so several Leadgate installations (or test runs) can share
 * one Kafka cluster without reading each other's records: `acme.leads.raw.v1`, group `acme.leadgate-router`.
 */
export function namespacedBus(inner: Bus, namespace: string): Bus {
  const name = (s: string): string => `${namespace}.${s}`;
  return {
    kind: inner.kind,
    publish: (topic, key, value, headers) => inner.publish(name(topic), key, value, headers),
    subscribe: (topic: string, group: string, handler: BusHandler, options?: SubscribeOptions): Promise<Subscription> =>
      inner.subscribe(name(topic), name(group), (record) => handler({ ...record, topic }), options),
    subscribeBatch: (topic: string, group: string, handler: BusBatchHandler, options?: BatchSubscribeOptions): Promise<Subscription> =>
      inner.subscribeBatch(name(topic), name(group), (records) => handler(records.map((record) => ({ ...record, topic }))), options),
    ready: () => inner.ready(),
    close: () => inner.close(),
  };
}
