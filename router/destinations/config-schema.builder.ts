/**
 * A small typed JSON Schema builder: each call returns the ajv schema *and* carries the TypeScript type
 * of the value it accepts, so a destination's config interface is derived from its schema instead of
 * being kept by hand next to it. Only the keywords destinations use are offered; every key must carry
 * a `description` because docs/config.md is generated from the schema.
 *
 * A key is present in the derived type when it is `required` or has a `default` (ajv `useDefaults`
 * fills it in before any code reads the config); otherwise it is optional.
 */

export interface Field<T, Present extends boolean = boolean> {
  readonly schema: Readonly<Record<string, unknown>>;
  readonly present: Present;
  readonly required: boolean;
  /** Type carrier only; never set at run time. */
  readonly __type?: T;
}

export type Infer<F> = F extends Field<infer T, boolean> ? T : never;

type Shape = Record<string, Field<unknown>>;
type PresentKeys<S extends Shape> = { [K in keyof S]: S[K] extends Field<unknown, true> ? K : never }[keyof S];
type Simplify<T> = { [K in keyof T]: T[K] } & {};
export type InferShape<S extends Shape> = Simplify<
  { [K in PresentKeys<S>]: Infer<S[K]> } & { [K in Exclude<keyof S, PresentKeys<S>>]?: Infer<S[K]> }
>;

interface Described { description: string }
interface StringOptions extends Described { pattern?: string; minLength?: number }
interface NumberOptions extends Described { minimum?: number; exclusiveMinimum?: number }

type WithDefault<O, T> = O & { default: T };

function field<T, P extends boolean>(schema: Record<string, unknown>, present: P, required = false): Field<T, P> {
  return { schema, present, required };
}

function leaf<T>(type: string, options: Described & { default?: T }): Field<T> {
  return field<T, boolean>({ type, ...options }, options.default !== undefined);
}

export function str(options: WithDefault<StringOptions, string>): Field<string, true>;
export function str(options: StringOptions): Field<string, false>;
export function str(options: StringOptions & { default?: string }): Field<string> {
  return leaf<string>('string', options);
}

export function int(options: WithDefault<NumberOptions, number>): Field<number, true>;
export function int(options: NumberOptions): Field<number, false>;
export function int(options: NumberOptions & { default?: number }): Field<number> {
  return leaf<number>('integer', options);
}

export function num(options: WithDefault<NumberOptions, number>): Field<number, true>;
export function num(options: NumberOptions): Field<number, false>;
export function num(options: NumberOptions & { default?: number }): Field<number> {
  return leaf<number>('number', options);
}

export function bool(options: WithDefault<Described, boolean>): Field<boolean, true>;
export function bool(options: Described): Field<boolean, false>;
export function bool(options: Described & { default?: boolean }): Field<boolean> {
  return leaf<boolean>('boolean', options);
}

export function oneOf<const V extends readonly string[]>(values: V, options: WithDefault<Described, V[number]>): Field<V[number], true>;
export function oneOf<const V extends readonly string[]>(values: V, options: Described): Field<V[number], false>;
export function oneOf<const V extends readonly string[]>(values: V, options: Described & { default?: V[number] }): Field<V[number]> {
  return field<V[number], boolean>({ ...options, enum: values }, options.default !== undefined);
}

/** A map of string values (`ownerMap`). Defaults to `{}`, so it is always present. */
export function stringMap(options: Described): Field<Record<string, string>, true> {
  return field({ type: 'object', ...options, additionalProperties: { type: 'string', minLength: 1 }, default: {} }, true);
}

/** Marks a key as required: present in the type, and ajv rejects a config without it. */
export function required<T>(f: Field<T>): Field<T, true> {
  return { ...f, present: true, required: true };
}

/** The properties (and `required` list) of an object schema built from a shape. */
export function properties(shape: Shape): { properties: Record<string, unknown>; required: string[] } {
  const props = Object.fromEntries(Object.entries(shape).map(([k, f]) => [k, f.schema]));
  return { properties: props, required: Object.keys(shape).filter((k) => shape[k]?.required) };
}

interface ObjectOptions extends Described { default?: Record<string, never> }

/** A closed object. With `default: {}` it is always present and its own defaults are filled in. */
export function obj<S extends Shape>(shape: S, options: WithDefault<ObjectOptions, Record<string, never>>): Field<InferShape<S>, true>;
export function obj<S extends Shape>(shape: S, options: ObjectOptions): Field<InferShape<S>, false>;
export function obj<S extends Shape>(shape: S, options: ObjectOptions): Field<InferShape<S>> {
  const { properties: props, required: req } = properties(shape);
  return field({ type: 'object', ...options, additionalProperties: false, ...(req.length ? { required: req } : {}), properties: props }, options.default !== undefined);
}
