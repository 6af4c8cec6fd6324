import pino, { type Logger } from 'pino';

export type { Logger };

const phonePattern = /\+?\d[\d\s().-]{6,}\d/g;
const emailPattern = /([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+)/g;
/** Credentials providers put into webhook URLs (Tilda, UIS cannot sign), e.g. a logged `?token=…`. */
const urlSecretPattern = /([?&](?:token|secret|key|api_key|apikey|sign|signature|access_token)=)[^&\s"']+/gi;
const maxDepth = 6;

/** Keeps the last two digits of a phone and the first letter and domain of an e-mail: enough to debug, not to identify. */
export function maskPii(text: string): string {
  return text
    .replace(urlSecretPattern, '$1[redacted]')
    .replace(emailPattern, (_m, first: string, domain: string) => `${first}***@${domain}`)
    .replace(phonePattern, (m) => {
      const digits = m.replace(/\D/g, '');
      return digits.length < 7 ? m : `***${digits.slice(-2)}`;
    });
}

/**
 * Properties by which database drivers quote the data of a failed statement: PGlite puts the bound
 * `params` (a whole lead as JSON) on its errors, PostgreSQL's `where` quotes the JSON around a bad
 * character. A failed store write must log ids and codes (`code`, `routine`, the SQL text), never the record.
 */
const recordCarryingErrorKeys = new Set(['params', 'parameters', 'queryOptions', 'where', 'internalQuery']);

/**
 * A copy of the error with every own property masked (message, stack, cause, details, the CRM's answer),
 * same prototype and enumerability, so pino still serializes it as an error with its type.
 */
function maskError(err: Error, depth: number, secretKeys: ReadonlySet<string>): Error {
  const copy = Object.create(Object.getPrototypeOf(err) as object) as Error;
  for (const key of Object.getOwnPropertyNames(err)) {
    if (recordCarryingErrorKeys.has(key)) continue;
    const descriptor = Object.getOwnPropertyDescriptor(err, key);
    if (!descriptor) continue;
    if ('value' in descriptor) descriptor.value = maskDeep(descriptor.value, secretKeys, depth + 1);
    Object.defineProperty(copy, key, descriptor);
  }
  return copy;
}

function maskDeep(value: unknown, secretKeys: ReadonlySet<string>, depth = 0): unknown {
  if (typeof value === 'string') return maskPii(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth > maxDepth) {
    // Beyond the walk the rest goes out as masked text rather than as it came.
    try {
      return maskPii(JSON.stringify(value));
    } catch {
      return '[unserializable]';
    }
  }
  if (Array.isArray(value)) return value.map((v) => maskDeep(v, secretKeys, depth + 1));
  if (value instanceof Error) return maskError(value, depth, secretKeys);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = secretKeys.has(k) ? '[redacted]' : maskDeep(v, secretKeys, depth + 1);
  return out;
}

/** Key names whose values are credentials wherever they appear in a logged object. */
const baseSecretKeys = ['password', 'token', 'secret', 'apiKey', 'authorization', 'cookie'];

export interface LoggerOptions {
  /**
   * More key names to redact at any depth: the secret settings the connector and destination registries
   * declare (e.g. `hmacSecret`, `webhookUrl`), handed in by the composition root, since platform/ does not
   * know the plugins.
   */
  secretKeys?: Iterable<string>;
}

/**
 * Root logger. Secrets are redacted by key; phones and e-mails are masked in every logged string,
 * so a connector that logs a field by mistake does not leak a customer's number.
 */
export function createLogger(level = process.env.LEADGATE_LOG_LEVEL ?? 'info', destination?: pino.DestinationStream, loggerOptions: LoggerOptions = {}): Logger {
  const secretKeys = new Set([...baseSecretKeys, ...(loggerOptions.secretKeys ?? [])]);
  const options: pino.LoggerOptions = {
    level,
    base: { service: 'leadgate' },
    redact: {
      paths: ['*.password', '*.token', '*.secret', '*.apiKey', '*.authorization', 'headers.authorization', '*.headers.authorization', '*.headers.cookie'],
      censor: '[redacted]',
    },
    hooks: {
      logMethod(args, method) {
        method.apply(this, args.map((a) => maskDeep(a, secretKeys)) as Parameters<typeof method>);
      },
    },
  };
  // The destination is for tests that read what was logged; production writes to stdout.
  return destination ? pino(options, destination) : pino(options);
}
