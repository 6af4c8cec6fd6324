import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { Queryable } from '../platform/store/store.port.js';

/** JSON with object keys sorted at every depth, so equal payloads hash equally whatever the key order. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

export function payloadHash(payload: Record<string, unknown>): string {
  return createHash('sha256').update(canonicalJson(payload)).digest('hex');
}

/** Builds the raw-topic key of one request received at `receivedAtMs`. */
export type RawKeyBuilder = (connectorId: string, providerEventId: string | undefined, payload: Record<string, unknown>, receivedAtMs: number) => Promise<string>;

export const DEFAULT_RETRY_WINDOW_MINUTES = 10;

interface FirstSeenRow extends Record<string, unknown> {
  first_seen_at: Date | string;
}

/**
 * The raw-topic key. With a provider id, a provider's retry of the same event lands on the same key. Without
 * one, the body's hash is bounded to a retry window measured from its **first receipt**: a double click or a
 * webhook retry within the window reuses the first receipt's key (`<connector>:sha256:<hash>@<first ms>`),
 * so the normalizer collapses it; the same body after the window is a new request with a new key.
 *
 * First receipts live in the store (`content_hashes`), shared by every gateway, and are claimed by one
 * atomic upsert: no time bucket, so a retry one second after any boundary still collapses. When the store
 * cannot be asked, the key falls back to a bucket of the window (a retry across a bucket edge then becomes
 * a second request: an outage costs a possible duplicate, never a lost lead).
 */
export function createRawKeyBuilder(options: { store?: Queryable; retryWindowMinutes?: number; logger?: Logger; pruneEveryMs?: number }): RawKeyBuilder {
  const windowMs = (options.retryWindowMinutes ?? DEFAULT_RETRY_WINDOW_MINUTES) * 60_000;
  const pruneEveryMs = options.pruneEveryMs ?? 60_000;
  let lastPrune = 0;
  const bucketKey = (connectorId: string, hash: string, at: number): string => `${connectorId}:sha256:${hash}@b${Math.floor(at / windowMs)}`;

  const firstSeen = async (store: Queryable, connectorId: string, hash: string, at: number): Promise<number> => {
    const atIso = new Date(at).toISOString();
    const [claimed] = await store.query<FirstSeenRow>(
      `insert into content_hashes (connector_id, hash, first_seen_at) values ($1, $2, $3::timestamptz)
       on conflict (connector_id, hash) do update set first_seen_at = excluded.first_seen_at
         where content_hashes.first_seen_at <= excluded.first_seen_at - make_interval(secs => $4)
       returning first_seen_at`,
      [connectorId, hash, atIso, windowMs / 1000],
    );
    const row = claimed ?? (await store.query<FirstSeenRow>('select first_seen_at from content_hashes where connector_id = $1 and hash = $2', [connectorId, hash]))[0];
    if (!row) throw new Error('content hash vanished between claim and read');
    if (at - lastPrune > pruneEveryMs) {
      lastPrune = at;
      // Rows past the window decide nothing any more; a failed prune is retried next time.
      await store.query('delete from content_hashes where first_seen_at < $1::timestamptz', [new Date(at - windowMs).toISOString()]).catch(() => undefined);
    }
    return new Date(row.first_seen_at).getTime();
  };

  return async (connectorId, providerEventId, payload, receivedAtMs) => {
    if (providerEventId) return `${connectorId}:${providerEventId}`;
    const hash = payloadHash(payload);
    if (!options.store) return bucketKey(connectorId, hash, receivedAtMs);
    try {
      return `${connectorId}:sha256:${hash}@${await firstSeen(options.store, connectorId, hash, receivedAtMs)}`;
    } catch (err) {
      options.logger?.warn({ err, event: 'gateway.content_key_fallback', connector: connectorId }, 'content-hash first receipt unavailable; keyed by time bucket');
      return bucketKey(connectorId, hash, receivedAtMs);
    }
  };
}
