import type { ReceivedDelivery } from '../../scripts/crm-stub.js';
import type { SentLead } from './faults.load.js';
import { indexCrm } from './faults.report.js';

export interface DrainOptions {
  leads: () => readonly SentLead[];
  crm: { accepted: readonly ReceivedDelivery[]; replays: readonly ReceivedDelivery[] };
  /** Give up once this long passes with no new delivery (a wedged pipeline must not hang the run). */
  patienceMs: number;
  log(message: string): void;
}

/**
 * Waits until every acknowledged lead reached the CRM, or `patienceMs` passed without progress. Run
 * between scenarios too, so a scenario's delays and losses are its own, not the backlog of the previous
 * fault. Returns whether everything arrived.
 */
export async function waitForDelivery(options: DrainOptions): Promise<boolean> {
  let last = -1;
  let lastProgress = Date.now();
  for (;;) {
    const acked = options.leads().filter((l) => l.ackedAt !== undefined);
    const { byPhone } = indexCrm(options.crm.accepted, options.crm.replays);
    const done = acked.filter((l) => byPhone.has(l.phone)).length;
    if (done === acked.length) return true;
    if (done !== last) {
      last = done;
      lastProgress = Date.now();
      options.log(`draining: ${done}/${acked.length} acknowledged leads delivered`);
    }
    if (Date.now() - lastProgress > options.patienceMs) {
      options.log(`no progress for ${options.patienceMs / 1000} s: giving up the wait`);
      return false;
    }
    await new Promise((r) => setTimeout(r, 1_000));
  }
}
