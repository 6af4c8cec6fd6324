import { randomUUID } from 'node:crypto';
import { LeadgateError } from '../contracts/errors.js';
import type { ContactIdentity } from '../contracts/lead.js';
import type { Queryable } from '../platform/store/store.port.js';

export interface ResolvedContact {
  id: string;
  isNew: boolean;
  ownerId?: string;
  /** Contacts folded into this one by this request (it linked identities they held). */
  mergedIds: string[];
}

interface IdentityRow extends Record<string, unknown> {
  kind: string;
  value: string;
  contact_id: string;
}

interface ContactRow extends Record<string, unknown> {
  id: string;
  owner_id: string | null;
  created_at: Date | string;
  merged_into?: string | null;
  erased_at?: Date | null;
}

/**
 * Finds or creates the contact a request belongs to, inside the caller's transaction.
 * All identities are looked up together: none → a new contact; one contact → it; several → the oldest
 * survives and the others are merged into it (recorded in `contact_merges`). Identities the contact did
 * not have yet are attached with a plain INSERT: if another normalizer claimed one meanwhile the primary
 * key rejects it (23505) and the caller's `withTxRetry` re-runs the whole resolution, now seeing it.
 * Likewise when a matched contact was merged or erased while this transaction waited for its lock (40001).
 */
export async function resolveContact(
  q: Queryable,
  identities: ContactIdentity[],
  name: string | undefined,
  eventKey: string,
  at: string,
): Promise<ResolvedContact> {
  const kinds = identities.map((i) => i.kind);
  const values = identities.map((i) => i.value);
  const matched =
    identities.length === 0
      ? []
      : await q.query<IdentityRow>(
          `select i.kind, i.value, i.contact_id from identities i
           join unnest($1::text[], $2::text[]) as wanted(kind, value) on wanted.kind = i.kind and wanted.value = i.value`,
          [kinds, values],
        );
  let contact: ContactRow;
  let isNew = false;
  let mergedIds: string[] = [];
  if (matched.length === 0) {
    const id = randomUUID();
    const [row] = await q.query<ContactRow>(
      'insert into contacts (id, name, created_at, first_event_key) values ($1, $2, $3, $4) returning id, owner_id, created_at',
      [id, name ?? null, at, eventKey],
    );
    contact = row;
    isNew = true;
  } else {
    // Lock in a stable order so two requests linking the same contacts cannot deadlock.
    const rows = await q.query<ContactRow>(
      'select id, owner_id, created_at, merged_into, erased_at from contacts where id = any($1::text[]) order by created_at, id for update',
      [[...new Set(matched.map((m) => m.contact_id))]],
    );
    // The lock waited for a merge or an erasure that committed after the identities were read: what was
    // matched is stale. Re-run the whole transaction, which now reads the identities where they are.
    if (rows.some((r) => r.merged_into !== null || r.erased_at !== null)) {
      throw new LeadgateError('INTERNAL', 'matched contact changed meanwhile', { retriable: true, cause: { code: '40001' } });
    }
    contact = rows[0];
    mergedIds = rows.slice(1).map((r) => r.id);
    if (mergedIds.length > 0) await mergeInto(q, contact, rows.slice(1), eventKey);
    if (name) await q.query('update contacts set name = coalesce(name, $2), updated_at = now() where id = $1', [contact.id, name]);
  }
  // A plain INSERT on purpose: if another transaction claimed one of these meanwhile, the primary key
  // raises 23505 and the whole resolution re-runs; a "where not exists" guard would silently lose the race.
  const known = new Set(matched.map((m) => `${m.kind}\u0000${m.value}`));
  const missing = identities.filter((i) => !known.has(`${i.kind}\u0000${i.value}`));
  if (missing.length > 0) {
    await q.query(
      'insert into identities (kind, value, contact_id) select w.kind, w.value, $3 from unnest($1::text[], $2::text[]) as w(kind, value)',
      [missing.map((i) => i.kind), missing.map((i) => i.value), contact.id],
    );
  }
  return { id: contact.id, isNew, mergedIds, ...(contact.owner_id ? { ownerId: contact.owner_id } : {}) };
}

async function mergeInto(q: Queryable, survivor: ContactRow, merged: ContactRow[], eventKey: string): Promise<void> {
  const ids = merged.map((m) => m.id);
  await q.query('update identities set contact_id = $1 where contact_id = any($2::text[])', [survivor.id, ids]);
  // Only the survivor may keep an open, mergeable lead: the others' leads stay open but stop absorbing requests.
  await q.query('update leads set mergeable = false where contact_id = any($1::text[]) and mergeable', [ids]);
  await q.query('update leads set contact_id = $1 where contact_id = any($2::text[])', [survivor.id, ids]);
  await q.query('update contacts set merged_into = $1, updated_at = now() where id = any($2::text[])', [survivor.id, ids]);
  const owner = merged.find((m) => m.owner_id)?.owner_id;
  if (!survivor.owner_id && owner) await q.query('update contacts set owner_id = $2 where id = $1', [survivor.id, owner]);
  for (const id of ids) {
    await q.query(
      'insert into contact_merges (survivor_id, merged_id, trigger_event_key) values ($1, $2, $3) on conflict do nothing',
      [survivor.id, id, eventKey],
    );
  }
}
