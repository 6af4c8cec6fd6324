import { marker } from './delivery-text.js';
import type { HubSpotClient } from './hubspot.client.js';

interface AssociationsAnswer { results?: { toObjectId: string | number }[] }
interface BatchReadAnswer { results?: { id: string; properties?: Record<string, string | null | undefined> }[] }

/** HubSpot's batch read takes at most 100 ids per request. */
const batchSize = 100;

/**
 * The record among those associated with `fromType/fromId` whose `property` carries the key's marker: what
 * an earlier attempt created when its answer (or our ref of it) was lost. Reads the association list
 * (`GET /crm/v4/objects/{from}/{id}/associations/{to}`) and the records themselves (batch read), never
 * the search API, whose index lags writes by seconds and so could miss a record created just before a crash.
 */
export async function findAssociatedByMarker(
  client: HubSpotClient,
  from: { type: string; id: string },
  toType: string,
  property: string,
  key: string,
): Promise<string | undefined> {
  const listed = await client.request<AssociationsAnswer>('GET', `/crm/v4/objects/${from.type}/${from.id}/associations/${toType}?limit=500`);
  const ids = (listed.results ?? []).map((r) => String(r.toObjectId));
  const wanted = marker(key);
  for (let i = 0; i < ids.length; i += batchSize) {
    const read = await client.request<BatchReadAnswer>('POST', `/crm/v3/objects/${toType}/batch/read`, {
      properties: [property],
      inputs: ids.slice(i, i + batchSize).map((id) => ({ id })),
    });
    const hit = read.results?.find((r) => (r.properties?.[property] ?? '').includes(wanted));
    if (hit) return hit.id;
  }
  return undefined;
}
