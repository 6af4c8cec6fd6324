import type { TrafficRequest } from './dedupe-traffic.generator.js';

/**
 * The lead merge window (docs/identity.md) replayed over the requests in the order the normalizer actually
 * took them, with contacts formed as the generator's keys link them: how many leads the rules give for that
 * arrival order. Where the normalizer matches this but not the event-time oracle, the difference is the
 * arrival order (a person's requests normalized on different Kafka partitions), not a placement defect.
 * Thread replies are not modelled: the generated letters carry no In-Reply-To.
 */
export function leadsInArrivalOrder(requests: TrafficRequest[], windowMs: number): number {
  const contactOf = new Map<string, number>();
  const leadsOf = new Map<number, number[]>();
  let nextContact = 0;
  let leads = 0;
  for (const r of requests) {
    const found = [...new Set(r.keys.map((k) => contactOf.get(k)).filter((c): c is number => c !== undefined))].sort((a, b) => a - b);
    const contact = found[0] ?? nextContact++;
    // A linking request merges the others into the oldest contact; every lead moves with it.
    const own = leadsOf.get(contact) ?? [];
    for (const other of found.slice(1)) {
      own.push(...(leadsOf.get(other) ?? []));
      leadsOf.delete(other);
      for (const [k, c] of contactOf) if (c === other) contactOf.set(k, contact);
    }
    for (const k of r.keys) contactOf.set(k, contact);
    const near = own.filter((created) => created > r.at - windowMs && created < r.at + windowMs);
    const before = near.filter((created) => created <= r.at);
    if (before.length === 0 && near.length === 0) {
      own.push(r.at);
      leads++;
    }
    leadsOf.set(contact, own);
  }
  return leads;
}
