import { leadV1Schema, type LeadV1 } from '../contracts/lead.js';
import type { BusRecord } from '../platform/bus/bus.port.js';
import { byKeyInOrder } from '../platform/bus/poison-guard.batch.js';
import { validateOrThrow } from '../platform/validation.js';
import type { Assignment } from './owner.assigner.js';
import type { Router } from './router.service.js';

/** `router.batch` when the config does not say: batches on, 500 Lead v1 records per transaction. */
export const defaultRouterBatch: { enabled: boolean; maxRecords: number } = { enabled: true, maxRecords: 500 };

/** Contacts whose deliveries run at once; the destination's rate limit still bounds the request rate. */
const deliveryConcurrency = 16;

/**
 * Routes a fetched batch of Lead v1 with one transaction (one commit) for all its owner assignments and
 * SLA timers instead of one per lead, then delivers: contacts concurrently, each contact's leads in log
 * order, each lead exactly as the per-record path does after its assignment (`Router.deliverAssigned`).
 *
 * - Spam and values that are not Lead v1 go through `Router.handleLead` in their key's turn (counted or
 *   dead-lettered; they assign nothing); an erasure cuts the batch in two around it.
 * - Any failure rejects. The batch poison guard (poison-guard.batch.ts) retries a transient one and falls
 *   back to batches of one record for a permanent one (a lead the store refuses), so only that lead is
 *   dead-lettered. A batch retried after its assignments committed finds them done (not fresh), so, as
 *   on the per-record path when a delivery fails, their live events are not announced again.
 */
export async function routeBatch(router: Router, records: BusRecord[]): Promise<void> {
  // An erasure changes what later leads of its contact find, so the batch is cut around it: each run of
  // records before and after one is routed as a batch, the erasure itself on its own in between.
  let run: BusRecord[] = [];
  for (const record of records) {
    if ((record.value as { type?: unknown } | null)?.type !== 'contact.erased') {
      run.push(record);
      continue;
    }
    await routeRun(router, run);
    run = [];
    await router.handleLead(record);
  }
  await routeRun(router, run);
}

async function routeRun(router: Router, records: BusRecord[]): Promise<void> {
  if (records.length === 0) return;
  // Assignments in log order, as the per-record path makes them: rotation counters are shared by all
  // contacts, so their order matters across keys. Spam and invalid values assign nothing.
  const batch: { record: BusRecord; lead: LeadV1 }[] = [];
  for (const record of records) {
    const lead = plainLead(record.value);
    if (lead !== undefined) batch.push({ record, lead });
  }
  const assignments = batch.length === 0 ? [] : await router.assigner.assignAll(batch.map((b) => b.lead));
  const assigned = new Map(batch.map((b, i) => [b.record, { lead: b.lead, assignment: assignments[i] as Assignment }]));
  await byKeyInOrder(
    records,
    async (record) => {
      const done = assigned.get(record);
      if (done) await router.deliverAssigned(done.lead, done.assignment);
      else await router.handleLead(record);
    },
    deliveryConcurrency,
  );
}

/**
 * A record the batch can assign as is: a valid Lead v1 that is not spam. Anything else (spam, invalid
 * values) is left to `Router.handleLead`, which counts or dead-letters it.
 */
function plainLead(value: unknown): LeadV1 | undefined {
  try {
    const lead = validateOrThrow<LeadV1>(leadV1Schema, value, 'lead');
    return lead.spam ? undefined : lead;
  } catch {
    return undefined;
  }
}
