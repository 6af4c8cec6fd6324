import pino, { type Logger } from 'pino';

export type { Logger };

const phonePattern = /\+?\d[\d\s().-]{6,}\d/g;
const emailPattern = /([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+)/g;

/** Keeps the last two digits of a phone and the first letter and domain of an e-mail: enough to debug, not to identify. */
export function maskPii(text: string): string {
  return text
    .replace(emailPattern, (_m, first: string, domain: string) => `${first}***@${domain}`)
    .replace(phonePattern, (m) => {
      const digits = m.replace(/\D/g, '');
      return digits.length < 7 ? m : `***${digits.slice(-2)}`;
    });
}

function maskDeep(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return maskPii(value);
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => maskDeep(v, depth + 1));
  if (value instanceof Error) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = maskDeep(v, depth + 1);
  return out;
}

/**
 * Root logger. Secrets are redacted by key; phones and e-mails are masked in every logged string,
 * so a connector that logs a field by mistake does not leak a customer's number.
 */
export function createLogger(level = process.env.LEADGATE_LOG_LEVEL ?? 'info'): Logger {
  return pino({
    level,
    base: { service: 'leadgate' },
    redact: {
      paths: ['*.password', '*.token', '*.secret', '*.apiKey', '*.authorization', 'headers.authorization', '*.headers.authorization', '*.headers.cookie'],
      censor: '[redacted]',
    },
    hooks: {
      logMethod(args, method) {
        method.apply(this, args.map((a) => maskDeep(a)) as Parameters<typeof method>);
      },
    },
  });
}
