import { randomUUID } from 'node:crypto';
import pino from 'pino';
import type { LeadV1 } from '../../contracts/lead.js';
import { openStore } from '../../platform/store/open-store.js';
import type { Store } from '../../platform/store/store.port.js';
import { createTestDatabase, type TestDatabase } from './postgres.js';

export const silentLogger = pino({ level: 'silent' });

/** A fresh PostgreSQL database, migrated, with `n` independent stores on it (one per simulated router instance). */
export async function routingDatabase(n = 1): Promise<{ db: TestDatabase; stores: Store[]; close(): Promise<void> }> {
  const db = await createTestDatabase();
  const stores: Store[] = [];
  for (let i = 0; i < n; i++) stores.push(await openStore({ kind: 'postgres', url: db.url }, silentLogger));
  return {
    db,
    stores,
    async close() {
      await Promise.all(stores.map((s) => s.close()));
      await db.drop();
    },
  };
}

/** A Lead v1 record as the normalizer publishes it; `persist` writes its contact and lead rows first. */
export function leadRecord(extra: Partial<LeadV1> & { contactId?: string; phone?: string } = {}): LeadV1 {
  const { contactId, phone, ...rest } = extra;
  const now = new Date().toISOString();
  return {
    v: 1,
    type: 'lead.created',
    leadId: `lead-${randomUUID()}`,
    activityId: `act-${randomUUID()}`,
    contact: { id: contactId ?? `contact-${randomUUID()}`, isNew: true, phones: phone ? [phone] : [], emails: [], ids: [] },
    channel: 'form',
    connectorId: 'site',
    source: {},
    fields: {},
    tags: [],
    spam: false,
    occurredAt: now,
    normalizedAt: now,
    lineage: { rawEventIds: [randomUUID()] },
    ...rest,
  };
}

/** Inserts the contact (if new) and the open lead the normalizer would have stored for this record. */
export async function persist(store: Store, lead: LeadV1): Promise<LeadV1> {
  const at = new Date(lead.normalizedAt);
  await store.query('insert into contacts (id, created_at) values ($1, $2) on conflict (id) do nothing', [lead.contact.id, at]);
  await store.query(
    `insert into leads (id, contact_id, status, mergeable, merge_until, channel, connector_id, created_at, last_activity_at)
     values ($1, $2, 'open', false, $3, $4, $5, $3, $3) on conflict (id) do nothing`,
    [lead.leadId, lead.contact.id, at, lead.channel, lead.connectorId],
  );
  return lead;
}

export function tally(ids: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const id of ids) out[id] = (out[id] ?? 0) + 1;
  return out;
}

/** Polls `probe` until it returns a value (not undefined), or fails after `timeoutMs`. */
export async function eventually<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
