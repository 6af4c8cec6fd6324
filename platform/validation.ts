import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import * as addFormatsModule from 'ajv-formats';
import { LeadgateError, type ErrorCode } from '../contracts/errors.js';

// ajv-formats ships CommonJS with a default export; under NodeNext the callable sits on `.default`.
const addFormats = addFormatsModule.default as unknown as (a: Ajv) => Ajv;

/** One shared ajv instance: schemas compile once and are cached by identity. */
export const ajv = new Ajv({ allErrors: true, useDefaults: true, coerceTypes: false, strict: false });
addFormats(ajv);

const compiled = new WeakMap<object, ValidateFunction>();

export function compile<T>(schema: object): ValidateFunction<T> {
  let fn = compiled.get(schema);
  if (!fn) {
    fn = ajv.compile(schema);
    compiled.set(schema, fn);
  }
  return fn as ValidateFunction<T>;
}

/** `/contact/phones/0 must be string`: the path of the bad key and why, for humans and logs. */
export function describeErrors(errors: ErrorObject[] | null | undefined, root = ''): string[] {
  return (errors ?? []).map((e) => {
    const path = `${root}${e.instancePath}` || '/';
    if (e.keyword === 'additionalProperties') return `${path}: unknown key "${String(e.params.additionalProperty)}"`;
    if (e.keyword === 'enum') return `${path}: ${e.message} (${(e.params.allowedValues as unknown[]).join(', ')})`;
    return `${path}: ${e.message ?? 'is invalid'}`;
  });
}

/** Validates (filling defaults in place) or throws a LeadgateError listing every problem. */
export function validateOrThrow<T>(schema: object, data: unknown, what: string, code: ErrorCode = 'VALIDATION_FAILED'): T {
  const validate = compile<T>(schema);
  if (validate(data)) return data;
  const problems = describeErrors(validate.errors);
  throw new LeadgateError(code, `${what} is invalid: ${problems.join('; ')}`, { details: { problems } });
}
