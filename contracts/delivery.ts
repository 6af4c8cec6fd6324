import type { LeadV1 } from './lead.js';

/**
 * What the router hands a destination. The idempotency key is stable across redeliveries, crashes and
 * replays: the ledger and the CRM-side lookups key on it.
 *
 * - `lead.create` / `lead.activity`: a new lead, or a request merged into an open lead.
 * - `callback.create` / `callback.update` / `callback.close`: the callback task a missed call opens,
 *   its further attempts, and its closing (answered or returned call).
 * - `contact.merged`: two contacts turned out to be one person (`mergedContactId` folded into `lead.contact.id`).
 * - `contact.erased`: personal data removed on request; the CRM should erase its copy.
 */
export type DeliveryKind =
  | 'lead.create'
  | 'lead.activity'
  | 'callback.create'
  | 'callback.update'
  | 'callback.close'
  | 'contact.merged'
  | 'contact.erased';

export interface CallbackTask {
  taskId: string;
  /** Number to call back (E.164 when known). */
  phone: string;
  dueAt: string;
  attempts: number;
  lastCallAt: string;
  status: 'open' | 'closed';
  closedReason?: 'answered' | 'called_back' | 'manual';
}

export interface Delivery {
  kind: DeliveryKind;
  idempotencyKey: string;
  ownerId: string;
  lead: LeadV1;
  callback?: CallbackTask;
  mergedContactId?: string;
}

/** A delivery that failed permanently or a raw event that could not be mapped, as kept on the DLQ. */
export interface DeadLetter {
  v: 1;
  /** Which stage gave up: normalizer (mapping, validation, store), router (destination, retry topic) or live-events. */
  stage: 'normalizer' | 'router' | 'live-events';
  code: string;
  reason: string;
  failedAt: string;
  destinationId?: string;
  /** The CRM's answer when it rejected the delivery. */
  response?: { status?: number; body?: unknown };
  /** The original topic and record, so `leadgate replay` can re-send it. */
  sourceTopic: string;
  key: string;
  record: unknown;
  /** Set by the consumers' poison guard (platform/bus/poison-guard.ts): where the record was and how often it was tried. */
  sourcePartition?: number;
  sourceOffset?: string;
  attempts?: number;
  /** permanent: the error says so; repeated: the same failure N times; exhausted: transient errors past the retry bound. */
  failure?: 'permanent' | 'repeated' | 'exhausted';
  /** The record's strings were made storable (lone surrogates, NUL → U+FFFD) because the bus refused the original. */
  recordAltered?: boolean;
}

export function deliveryKeyFor(lead: LeadV1): string {
  return lead.type === 'lead.created' ? `lead:${lead.leadId}` : `activity:${lead.activityId}`;
}
