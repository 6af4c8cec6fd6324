/**
 * Typed config specs (connectors and CRM destinations alike): each builder returns both the JSON Schema node (ajv checks and defaults it) and,
 * at the type level, the TypeScript type of the validated value, so a connector's config is written
 * once. `description` is mandatory on every key: docs/config.md is generated from it.
 */
export type JsonSchema = Record<string, unknown>;

/** One key of a config spec. `Present` is true when the validated config always has it (required or defaulted). */
export interface Field<T, Present extends boolean = boolean> {
  readonly schema: JsonSchema;
  readonly present: Present;
  /** Key paths under this field whose values are credentials (redacted from logs). */
  readonly secretPaths: readonly string[];
  /** Phantom: the validated value's type. */
  readonly type?: T;
  /** The same field with a narrower TypeScript type (a template literal the schema's pattern enforces). */
  as<U extends T>(): Field<U, Present>;
}

export type TypeOf<F> = F extends Field<infer T, boolean> ? T : never;

/** Keywords a key may carry besides its type; ajv keywords pass through unchanged. */
export interface FieldOptions {
  description: string;
  default?: unknown;
  /** The key must be set (it has no default). */
  required?: true;
  /** A credential: redacted wherever connector configs are logged. */
  secret?: true;
  [keyword: string]: unknown;
}

type PresentOf<O> = O extends { default: unknown } ? true : O extends { required: true } ? true : false;

type Fields = Record<string, Field<unknown, boolean>>;
type Simplify<T> = { [K in keyof T]: T[K] } & {};
export type ShapeOf<P extends Fields> = Simplify<
  { -readonly [K in keyof P as P[K] extends Field<unknown, true> ? K : never]: TypeOf<P[K]> } & {
    -readonly [K in keyof P as P[K] extends Field<unknown, true> ? never : K]?: TypeOf<P[K]>;
  }
>;

function make<T, P extends boolean>(base: JsonSchema, options: FieldOptions, secretPaths: readonly string[] = []): Field<T, P> {
  const { required, secret, ...keywords } = options;
  const field: Field<T, P> = {
    schema: { ...base, ...keywords },
    present: (required === true || 'default' in options) as P,
    secretPaths: secret ? [''] : secretPaths,
    as: <U extends T>() => field as unknown as Field<U, P>,
  };
  return field;
}

/** The `properties`/`required` of an object whose keys are `props`, and its secret paths. */
export function objectSchema(props: Fields): { properties: JsonSchema; required: string[]; secretPaths: string[] } {
  const properties: JsonSchema = {};
  const required: string[] = [];
  const secretPaths: string[] = [];
  for (const [key, f] of Object.entries(props)) {
    properties[key] = f.schema;
    // A defaulted key is filled by ajv, so only keys without a default are demanded of the user.
    if (f.present && !('default' in f.schema)) required.push(key);
    for (const p of f.secretPaths) secretPaths.push(p ? `${key}.${p}` : key);
  }
  return { properties, required, secretPaths };
}

export const field = {
  string: <const O extends FieldOptions>(o: O) => make<string, PresentOf<O>>({ type: 'string' }, o),
  integer: <const O extends FieldOptions>(o: O) => make<number, PresentOf<O>>({ type: 'integer' }, o),
  number: <const O extends FieldOptions>(o: O) => make<number, PresentOf<O>>({ type: 'number' }, o),
  boolean: <const O extends FieldOptions>(o: O) => make<boolean, PresentOf<O>>({ type: 'boolean' }, o),
  oneOf: <const V extends readonly string[], const O extends FieldOptions>(values: V, o: O) => make<V[number], PresentOf<O>>({ enum: values }, o),
  list: <I extends Field<unknown, boolean>, const O extends FieldOptions>(items: I, o: O) => make<TypeOf<I>[], PresentOf<O>>({ type: 'array', items: items.schema }, o),
  /** A map of free keys (`labels: {phone: [...]}`) to values of one shape. */
  map: <V extends Field<unknown, boolean>, const O extends FieldOptions>(values: V, o: O) => make<Record<string, TypeOf<V>>, PresentOf<O>>({ type: 'object', additionalProperties: values.schema }, o),
  object: <const P extends Fields, const O extends FieldOptions>(props: P, o: O) => {
    const { properties, required, secretPaths } = objectSchema(props);
    return make<ShapeOf<P>, PresentOf<O>>({ type: 'object', additionalProperties: false, ...(required.length ? { required } : {}), properties }, o, secretPaths);
  },
};
