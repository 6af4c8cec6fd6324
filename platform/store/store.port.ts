export type SqlParam = string | number | boolean | null | Date | Buffer | string[] | number[];

/** Runs SQL; both adapters (pg, PGlite) speak PostgreSQL with `$1` placeholders. */
export interface Queryable {
  query<R extends Record<string, unknown> = Record<string, unknown>>(sql: string, params?: SqlParam[]): Promise<R[]>;
}

/**
 * The store. PostgreSQL via `pg` at scale, PGlite (PostgreSQL in WASM, on disk) as the embedded default.
 * One SQL dialect; migrations in `platform/store/migrations.ts` are applied by `open` before use.
 */
export interface Store extends Queryable {
  readonly kind: 'postgres' | 'embedded';
  /** Runs `fn` in one transaction; commits when it resolves, rolls back when it throws. */
  tx<T>(fn: (q: Queryable) => Promise<T>): Promise<T>;
  ready(): Promise<boolean>;
  close(): Promise<void>;
}
