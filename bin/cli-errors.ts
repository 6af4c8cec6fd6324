import { isLeadgateError } from '../contracts/errors.js';

/** Known failures → one line and what to do about it; anything else is a bug and shows its message. */
export function describeCliError(err: unknown, command: string | undefined): { message: string; hint?: string; code: number } {
  const e = err as NodeJS.ErrnoException & { address?: string; port?: number };
  const help = command ? `leadgate ${command} --help` : 'leadgate --help';
  if (e?.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' || e?.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' || e?.code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
    // Node's message carries a "To specify a positional argument…" tail; the first sentence is the point.
    return { message: (e.message.split('. ')[0] ?? e.message).replace(/\.$/, ''), hint: `see ${help}`, code: 2 };
  }
  if (e?.code === 'EADDRINUSE') {
    return { message: `port ${e.port ?? ''} on ${e.address ?? 'this host'} is already in use`, hint: 'is another leadgate running? set server.port or LEADGATE_PORT', code: 1 };
  }
  if (e?.code === 'EACCES' && e.port !== undefined) {
    return { message: `no permission to listen on port ${e.port}`, hint: 'use a port above 1023 (server.port / LEADGATE_PORT)', code: 1 };
  }
  if (isLeadgateError(err)) {
    if (err.code === 'CONFIG_INVALID') return { message: err.message, hint: 'see docs/config.md', code: 78 };
    if (err.details.reason === 'store_locked') return { message: err.message, code: 75 };
    if (err.code === 'BUS_UNAVAILABLE' || err.code === 'STORE_UNAVAILABLE') return { message: err.message, hint: 'check the brokers / database in the config, or retry', code: 75 };
    return { message: err.message, code: 1 };
  }
  if (e?.code === 'ECONNREFUSED') return { message: `connection refused (${e.address ?? ''}:${e.port ?? ''})`, hint: 'is the broker / database up?', code: 75 };
  return { message: err instanceof Error ? err.message : String(err), hint: 'run again with --debug for the stack trace', code: 1 };
}
