/** Every Kafka topic Leadgate reads or writes. Versioned: a breaking change gets a new name. */
export const Topics = {
  /** Raw events as received from providers. Key: `connectorId:providerEventId` (or a content hash). */
  raw: 'leads.raw.v1',
  /** Normalized lead records. Key: contactId, so all of one contact's records stay in order. */
  normalized: 'leads.normalized.v1',
  /** Deliveries waiting for another attempt. Key: destination id + idempotency key. */
  deliveryRetry: 'leads.delivery.retry.v1',
  /** Live events for operators and supervisors (call.ringing, callback.created, sla.breached). Key: owner id or `all`. */
  events: 'leads.events.v1',
  /** Records that cannot be processed without a human: malformed events, permanent CRM rejections. */
  dlq: 'leads.dlq.v1',
} as const;

export type TopicName = (typeof Topics)[keyof typeof Topics];
export const allTopics: readonly TopicName[] = Object.values(Topics);
