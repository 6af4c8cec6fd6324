import type { ChildProcess } from 'node:child_process';
import { load } from './bench-support.js';

/** What an end-to-end case needs from bench/run.ts: how to start a Leadgate and where the CRM stub counts. */
export interface DrainSetup {
  /** Starts Leadgate with these roles on a port; resolves once it is up. */
  start(roles: string, port: number): Promise<ChildProcess>;
  stop(child: ChildProcess): Promise<void>;
  freePort(): Promise<number>;
  crm: { accepted: unknown[]; waitForAccepted(n: number, timeoutMs?: number): Promise<unknown> };
  connections: number;
}

export interface DrainResult {
  leadsPerSec: number;
  delivered: number;
  expected: number;
  seconds: number;
}

/**
 * End to end as a drain: the gateway alone takes `leads` form posts (durable in the bus), stops, then
 * normalizer + router start and the clock runs until the CRM stub accepted them all (consumer start
 * included). Separating ingest from processing keeps the figure about the pipeline, not about the
 * load generator sharing the two cores with it.
 */
export async function drainEndToEnd(setup: DrainSetup, leads: number): Promise<DrainResult> {
  const base = setup.crm.accepted.length;
  const gwPort = await setup.freePort();
  const gateway = await setup.start('gateway', gwPort);
  const posted = await load(`http://127.0.0.1:${gwPort}/v1/hooks/site`, { connections: setup.connections, amount: leads });
  await setup.stop(gateway);
  const expected = leads - posted.non2xx - posted.errors;
  const started = Date.now();
  const workers = await setup.start('normalizer,router', await setup.freePort());
  await setup.crm.waitForAccepted(base + expected, 900_000).catch(() => undefined);
  const seconds = (Date.now() - started) / 1000;
  await setup.stop(workers);
  const delivered = setup.crm.accepted.length - base;
  // Deliveries beyond the posted leads (SLA reassignments of a long drain) are not leads: not counted in the rate.
  return { leadsPerSec: Math.round(Math.min(delivered, expected) / seconds), delivered, expected, seconds };
}
