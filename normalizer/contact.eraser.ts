import { createHash } from 'node:crypto';
import type { EraseRequest, EraseResult } from '../contracts/identity-admin.js';
import type { ContactErasedV1 } from '../contracts/lead.js';
import { LeadgateError } from '../contracts/errors.js';
import { Topics } from '../contracts/topics.js';
import type { Bus } from '../platform/bus/bus.port.js';
import type { Queryable, Store } from '../platform/store/store.port.js';
import { withTxRetry } from '../platform/store/tx-retry.js';
import type { NormalizationOptions } from './draft.cleaner.js';
import { normalizeEmail } from './email.normalizer.js';
import { scrubContactData } from './erasure.scrubber.js';
import { survivingContactId } from './lineage.query.js';
import { normalizePhone } from './phone.normalizer.js';

/** Salted SHA-256 of an identity: the tombstone that replaces its value. The salt never leaves the store. */
export function identityHash(salt: string, kind: string, value: string): string {
  return createHash('sha256').update(`${salt}\u0000${kind}\u0000${value}`).digest('hex');
}

async function salt(q: Queryable): Promise<string> {
  const [row] = await q.query<{ value: string }>("select value from identity_secrets where name = 'erasure_salt'");
  if (!row) throw new LeadgateError('INTERNAL', 'erasure salt missing (migration 8 not applied?)');
  return row.value;
}

function target(req: EraseRequest, rules: NormalizationOptions): { kind: string; value: string } | undefined {
  if (req.phone) {
    const e164 = normalizePhone(req.phone, { defaultRegion: rules.defaultRegion, ...rules.phone }).e164;
    return e164 ? { kind: 'phone', value: e164 } : undefined;
  }
  if (req.email) {
    const email = normalizeEmail(req.email, rules.email);
    return email ? { kind: 'email', value: email } : undefined;
  }
  return undefined;
}

/** The contacts merged into `contactId` (transitively) and the leads all of them hold. */
async function scope(q: Queryable, contactId: string): Promise<{ mergedContactIds: string[]; leadIds: string[] }> {
  const chain = await q.query<{ id: string }>(
    'with recursive chain(id) as (select $1::text union select m.merged_id from contact_merges m join chain on m.survivor_id = chain.id) select id from chain',
    [contactId],
  );
  const ids = chain.map((c) => c.id);
  const leads = await q.query<{ id: string }>('select id from leads where contact_id = any($1::text[]) order by created_at, id', [ids]);
  return { mergedContactIds: ids.filter((id) => id !== contactId), leadIds: leads.map((l) => l.id) };
}

/**
 * Erases a contact's personal data from the store (152-ФЗ / GDPR): its name and those of contacts merged
 * into it; its identities, replaced by salted-hash tombstones; the payloads of the raw events that formed
 * it and the Lead v1 records stored with them. Then publishes `contact.erased` (no personal data) on the
 * normalized topic for the destination. A later request with an erased identity creates a new contact.
 * Idempotent: a second call answers `already_erased` and publishes `contact.erased` again.
 */
export async function eraseContact(store: Store, bus: Bus, req: EraseRequest, rules: NormalizationOptions): Promise<EraseResult> {
  const wanted = target(req, rules);
  if (!wanted && !req.contactId) throw new LeadgateError('VALIDATION_FAILED', 'give a valid phone, e-mail or contact id to erase');
  const result = await withTxRetry(store, async (q): Promise<EraseResult> => {
    const secret = await salt(q);
    let contactId = req.contactId;
    if (wanted) {
      const [hit] = await q.query<{ contact_id: string }>('select contact_id from identities where kind = $1 and value = $2', [wanted.kind, wanted.value]);
      if (!hit) {
        const [tomb] = await q.query<{ contact_id: string }>('select contact_id from erased_identities where kind = $1 and hash = $2', [wanted.kind, identityHash(secret, wanted.kind, wanted.value)]);
        return tomb ? { status: 'already_erased', contactId: tomb.contact_id, ...(await scope(q, tomb.contact_id)) } : { status: 'not_found' };
      }
      contactId = hit.contact_id;
    }
    // A merged contact's id names the same person as its survivor: erase from the end of the chain.
    const survivor = await survivingContactId(q, contactId ?? '');
    const [contact] = await q.query<{ id: string; erased_at: Date | null }>('select id, erased_at from contacts where id = $1 for update', [survivor]);
    if (!contact) return { status: 'not_found' };
    const { mergedContactIds, leadIds } = await scope(q, contact.id);
    const ids = [contact.id, ...mergedContactIds];
    const identities = await q.query<{ kind: string; value: string }>('select kind, value from identities where contact_id = any($1::text[])', [ids]);
    if (contact.erased_at && identities.length === 0) return { status: 'already_erased', contactId: contact.id, mergedContactIds, leadIds };
    // Before the contacts lose their links: the scrub finds the requests through the contacts' leads.
    const scrubbed = await scrubContactData(q, ids);
    for (const i of identities) {
      await q.query('insert into erased_identities (kind, hash, contact_id) values ($1, $2, $3) on conflict (kind, hash) do nothing', [i.kind, identityHash(secret, i.kind, i.value), contact.id]);
    }
    await q.query('delete from identities where contact_id = any($1::text[])', [ids]);
    await q.query('update contacts set name = null, erased_at = coalesce(erased_at, now()), updated_at = now() where id = any($1::text[])', [ids]);
    // Open leads stop absorbing requests: a person who writes again after an erasure is a new contact with a new lead.
    await q.query('update leads set mergeable = false where contact_id = any($1::text[]) and mergeable', [ids]);
    return { status: 'erased', contactId: contact.id, mergedContactIds, leadIds, identities: identities.length, ...scrubbed };
  });
  // Published again for an already erased contact: a crash between commit and publish must not lose it,
  // and the destination treats a repeated erase as a no-op.
  if (result.status !== 'not_found') {
    const record: ContactErasedV1 = { v: 1, type: 'contact.erased', contactId: result.contactId, mergedContactIds: result.mergedContactIds, leadIds: result.leadIds, erasedAt: new Date().toISOString() };
    await bus.publish(Topics.normalized, result.contactId, record, { type: 'contact.erased' });
  }
  return result;
}
