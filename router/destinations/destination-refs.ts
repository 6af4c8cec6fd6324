import type { Queryable } from '../../platform/store/store.port.js';

/** What a CRM id stands for on our side. */
export type RefEntity = 'lead' | 'contact' | 'callback' | 'activity';

/**
 * Our ids → the CRM's ids, per destination (table `destination_refs`, migration 006). Written right after
 * the CRM answered a create, read before every create (so a redelivery finds the record instead of making
 * a second one) and by deliveries that refer to an earlier record (activity → lead, callback.close → task).
 */
export interface DestinationRefs {
  get(destination: string, entity: RefEntity, ourId: string): Promise<string | undefined>;
  put(destination: string, entity: RefEntity, ourId: string, crmId: string, idempotencyKey?: string): Promise<void>;
  delete(destination: string, entity: RefEntity, ourId: string): Promise<void>;
}

export class StoreDestinationRefs implements DestinationRefs {
  constructor(private readonly store: Queryable) {}

  async get(destination: string, entity: RefEntity, ourId: string): Promise<string | undefined> {
    const rows = await this.store.query<{ crm_id: string }>(
      'select crm_id from destination_refs where destination = $1 and entity = $2 and our_id = $3',
      [destination, entity, ourId],
    );
    return rows[0]?.crm_id;
  }

  async put(destination: string, entity: RefEntity, ourId: string, crmId: string, idempotencyKey?: string): Promise<void> {
    await this.store.query(
      `insert into destination_refs (destination, entity, our_id, crm_id, idempotency_key) values ($1, $2, $3, $4, $5)
       on conflict (destination, entity, our_id) do update set crm_id = excluded.crm_id`,
      [destination, entity, ourId, crmId, idempotencyKey ?? null],
    );
  }

  async delete(destination: string, entity: RefEntity, ourId: string): Promise<void> {
    await this.store.query('delete from destination_refs where destination = $1 and entity = $2 and our_id = $3', [destination, entity, ourId]);
  }
}

/** For unit tests and the benchmark: the same contract without a database. */
export class MemoryDestinationRefs implements DestinationRefs {
  readonly rows = new Map<string, string>();

  async get(destination: string, entity: RefEntity, ourId: string): Promise<string | undefined> {
    return this.rows.get(`${destination}|${entity}|${ourId}`);
  }

  async put(destination: string, entity: RefEntity, ourId: string, crmId: string): Promise<void> {
    this.rows.set(`${destination}|${entity}|${ourId}`, crmId);
  }

  async delete(destination: string, entity: RefEntity, ourId: string): Promise<void> {
    this.rows.delete(`${destination}|${entity}|${ourId}`);
  }
}
