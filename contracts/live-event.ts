/**
 * Events for people watching live (operators' incoming-call popups, supervisors), published on
 * `leads.events.v1` by whichever stage knows them and pushed by the gateway's WebSocket stream
 * (docs/live-stream.md). Best effort by nature: they describe state that is also in the store and the CRM,
 * so a client that reconnects reloads from there instead of expecting a replay.
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

/**
 * The start of an inbound call as a connector's ingress reports it (`ConnectorContext.announceRinging`),
 * from which the gateway builds a `call.ringing` LiveEvent.
 */
export interface RingingCall {
  /** The caller's number as the provider sent it (`79161234567`, `+7 916 …`, `8916…`). */
  caller: string;
  /** Our number that was dialled (DID / line), when the provider says. */
  line?: string;
  /**
   * The id of the whole call, equal to the lead's `call.callId` (`<provider>:<provider's call id>`), so a
   * client pairs the ringing with the later `call.missed` (whose `data.callId` is the same).
   */
  callId: string;
  /** The provider kind (`mango`, `zadarma`, `sipuni`, `call-webhook`). */
  provider: string;
  /** The connector instance that saw the call. */
  connectorId: string;
  /** When the call started ringing (provider time if given, else receipt time). */
  at: string | Date;
}
