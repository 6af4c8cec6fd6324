import { field, objectSchema, type Field, type FieldOptions, type ShapeOf, type TypeOf } from '../../platform/config/config-spec.js';

/**
 * The destination specs' vocabulary over the shared typed config builders (platform/config/config-spec.ts,
 * the same ones connectors use): a key is present in the derived type when it is `required` or has a
 * `default` (ajv `useDefaults` fills it in before any code reads the config), otherwise optional.
 */
export type { Field };
export type Infer<F> = TypeOf<F>;
type Shape = Record<string, Field<unknown, boolean>>;
export type InferShape<S extends Shape> = ShapeOf<S>;

export const str = <const O extends FieldOptions>(options: O) => field.string(options);
export const int = <const O extends FieldOptions>(options: O) => field.integer(options);
export const num = <const O extends FieldOptions>(options: O) => field.number(options);
export const bool = <const O extends FieldOptions>(options: O) => field.boolean(options);
export const oneOf = <const V extends readonly string[], const O extends FieldOptions>(values: V, options: O) => field.oneOf(values, options);
export const obj = <const S extends Shape, const O extends FieldOptions>(shape: S, options: O) => field.object(shape, options);

/** A map of non-empty string values (`ownerMap`). Defaults to `{}`, so it is always present. */
export const stringMap = (options: { description: string }) => field.map(field.string({ description: options.description, minLength: 1 }), { ...options, default: {} });

/** Marks a key as required: present in the type, and ajv rejects a config without it. */
export function required<T>(f: Field<T, boolean>): Field<T, true> {
  const marked: Field<T, true> = { ...f, present: true, as: <U extends T>() => marked as unknown as Field<U, true> };
  return marked;
}

/** The properties (and `required` list) of an object schema built from a shape. */
export function properties(shape: Shape): { properties: Record<string, unknown>; required: string[] } {
  const { properties: props, required: req } = objectSchema(shape);
  return { properties: props, required: req };
}
