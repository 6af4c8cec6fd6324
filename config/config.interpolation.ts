import { readFileSync } from 'node:fs';

/** The environment as the loader sees it: `process.env` or a test's map. */
export type Env = Record<string, string | undefined>;

/** Upper-case names only, like every shell and orchestrator convention; anything else is a typo. */
const NAME = /^[A-Z_][A-Z0-9_]*$/;

/**
 * A variable's value: `NAME` itself, else the contents of the file named by `NAME_FILE` (the Docker and
 * Kubernetes secrets convention), one trailing newline dropped. `undefined` when neither is set.
 */
export function readVariable(env: Env, name: string): string | undefined {
  const direct = env[name];
  if (direct !== undefined) return direct;
  const file = env[`${name}_FILE`];
  if (file === undefined) return undefined;
  try {
    return readFileSync(file, 'utf8').replace(/\r?\n$/, '');
  } catch (err) {
    throw new VariableFileError(`${name}_FILE=${file}: cannot read the file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}

/** A `*_FILE` secret that points at a missing or unreadable file. */
export class VariableFileError extends Error {}

/**
 * Replaces `${NAME}` and `${NAME:-default}` in one string. `$${` stays a literal `${`. Every problem
 * (unset variable, lower-case or malformed reference, unclosed brace) is pushed to `problems` with the
 * key's path, so one run reports all of them.
 */
function interpolateString(text: string, env: Env, path: string, problems: string[]): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const start = text.indexOf('${', i);
    if (start < 0) {
      out += text.slice(i);
      break;
    }
    if (start > 0 && text[start - 1] === '$') {
      // `$${…}` is the escape: drop one `$` and keep the rest as written.
      out += text.slice(i, start - 1) + '${';
      i = start + 2;
      continue;
    }
    out += text.slice(i, start);
    const end = text.indexOf('}', start + 2);
    if (end < 0) {
      problems.push(`${path || '/'}: unclosed reference "${text.slice(start)}" (write \${NAME}, or $\${ for a literal)`);
      break;
    }
    const inner = text.slice(start + 2, end);
    const sep = inner.indexOf(':-');
    const name = sep < 0 ? inner : inner.slice(0, sep);
    const fallback = sep < 0 ? undefined : inner.slice(sep + 2);
    if (!NAME.test(name)) {
      problems.push(`${path || '/'}: malformed reference "\${${inner}}" (variable names are upper-case letters, digits and _, e.g. \${${name.toUpperCase().replace(/[^A-Z0-9_]/g, '_') || 'NAME'}})`);
    } else {
      let value: string | undefined;
      try {
        value = readVariable(env, name);
      } catch (err) {
        problems.push(`${path || '/'}: ${(err as Error).message}`);
        value = '';
      }
      if (value === undefined || (value === '' && fallback !== undefined)) {
        if (fallback !== undefined) value = fallback;
        else problems.push(`${path || '/'}: environment variable ${name} is not set (nor ${name}_FILE)`);
      }
      out += value ?? '';
    }
    i = end + 1;
  }
  return out;
}

/** Walks a parsed YAML document and interpolates every string value, collecting problems. */
export function interpolate(value: unknown, env: Env, path: string, problems: string[]): unknown {
  if (typeof value === 'string') return interpolateString(value, env, path, problems);
  if (Array.isArray(value)) return value.map((v, i) => interpolate(v, env, `${path}/${i}`, problems));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolate(v, env, `${path}/${k}`, problems)]));
  }
  return value;
}
