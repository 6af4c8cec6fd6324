/**
 * Events for people watching live (operators' incoming-call popups, supervisors), published on
 * `leads.events.v1` by whichever stage knows them and pushed by the gateway's WebSocket stream.
 * Best effort by nature: they describe state that is also in the store and the CRM.
 */
export type LiveEventType =
  | 'call.ringing'
  | 'call.missed'
  | 'callback.created'
  | 'callback.closed'
  | 'lead.created'
  | 'lead.assigned'
  | 'sla.breached';

export interface LiveEvent {
  v: 1;
  type: LiveEventType;
  /** ISO time the event happened. */
  at: string;
  /** The owner it concerns, when there is one: a client subscribed to one owner gets only theirs. */
  ownerId?: string;
  leadId?: string;
  contactId?: string;
  /** Type-specific facts: caller number, the known contact's name and owner, the task's due time. */
  data: Record<string, unknown>;
}
