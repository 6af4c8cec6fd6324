import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { load } from './bench-support.js';

/** What the drain reads of a delivery the CRM stub accepted (scripts/crm-stub.ts). */
interface AcceptedDelivery {
  body: Record<string, unknown>;
}

/** What an end-to-end case needs from bench/run.ts: how to start a Leadgate and where the CRM stub counts. */
export interface DrainSetup {
  /** Starts Leadgate with these roles on a port; resolves once it is up. */
  start(roles: string, port: number): Promise<ChildProcess>;
  stop(child: ChildProcess): Promise<void>;
  freePort(): Promise<number>;
  crm: { accepted: AcceptedDelivery[] };
  connections: number;
}

/** What the stub accepted during one drain, grouped by what it is. */
export interface DrainDeliveries {
  /** `lead.create` deliveries of this drain's posts. */
  leads: number;
  /** Distinct posts among them (fewer than `leads` means one post became two leads). */
  posts: number;
  /** Other deliveries of this drain's posts, by kind (activities, merges, callbacks). */
  otherKinds: Record<string, number>;
  /** Deliveries of leads this drain did not post (another case's records on a shared bus). */
  foreign: number;
}

export interface DrainResult {
  leadsPerSec: number;
  expected: number;
  seconds: number;
  deliveries: DrainDeliveries;
}

const pollMs = 100;
const timeoutMs = 900_000;

/**
 * End to end as a drain: the gateway alone takes `leads` form posts (durable in the bus), stops, then
 * normalizer + router start and the clock runs until the CRM stub accepted a lead for every post
 * (consumer start included). Separating ingest from processing keeps the figure about the pipeline, not
 * about the load generator sharing the two cores with it. The posts carry a tag of this drain in their
 * event id, so only their leads stop the clock: a delivery of anything else (another case's records on a
 * shared bus, an activity, a retry) is reported, never counted as a lead.
 */
export async function drainEndToEnd(setup: DrainSetup, leads: number): Promise<DrainResult> {
  const base = setup.crm.accepted.length;
  const tag = randomUUID().slice(0, 8);
  const gwPort = await setup.freePort();
  const gateway = await setup.start('gateway', gwPort);
  const posted = await load(`http://127.0.0.1:${gwPort}/v1/hooks/site`, { connections: setup.connections, amount: leads, tag });
  await setup.stop(gateway);
  const expected = leads - posted.non2xx - posted.errors;
  const started = Date.now();
  const workers = await setup.start('normalizer,router', await setup.freePort());
  const postsDelivered = (): number => classify(setup.crm.accepted.slice(base), tag).posts;
  while (postsDelivered() < expected && Date.now() - started < timeoutMs) await new Promise((r) => setTimeout(r, pollMs));
  const seconds = (Date.now() - started) / 1000;
  await setup.stop(workers);
  const deliveries = classify(setup.crm.accepted.slice(base), tag);
  return { leadsPerSec: Math.round(Math.min(deliveries.posts, expected) / seconds), expected, seconds, deliveries };
}

function classify(accepted: readonly AcceptedDelivery[], tag: string): DrainDeliveries {
  const own = `bench-${tag}-`;
  const posts = new Set<string>();
  const otherKinds: Record<string, number> = {};
  let leads = 0;
  let foreign = 0;
  for (const { body } of accepted) {
    const eventId = (body.lead as { provider?: { eventId?: string } } | undefined)?.provider?.eventId ?? '';
    if (!eventId.startsWith(own)) {
      foreign++;
    } else if (body.event === 'lead.create') {
      leads++;
      posts.add(eventId);
    } else {
      const kind = String(body.event);
      otherKinds[kind] = (otherKinds[kind] ?? 0) + 1;
    }
  }
  return { leads, posts: posts.size, otherKinds, foreign };
}

/** The drain's deliveries in a table note: what stopped the clock and what else arrived. */
export function describeDeliveries(r: DrainResult): string {
  const { leads, posts, otherKinds, foreign } = r.deliveries;
  const others = Object.entries(otherKinds).map(([kind, n]) => `, ${n} ${kind}`).join('');
  return `${r.expected} posted, ${posts} delivered as leads (${leads} lead.create${others}), ${foreign} not of this drain, ${r.seconds.toFixed(1)} s incl. consumer start`;
}
