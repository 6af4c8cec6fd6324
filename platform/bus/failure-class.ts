import { LeadgateError } from '../../contracts/errors.js';
import { sqlState } from '../store/tx-retry.js';

/**
 * How a consumer treats a handler error:
 * - `permanent`: running the handler again cannot help (the record is bad, or the code is): dead-letter now.
 * - `transient`: the world is briefly broken (a connection, a lock, a timeout): retry with backoff.
 * - `unknown`: retried like a transient error, but the same failure repeated is taken as permanent.
 */
export type FailureKind = 'permanent' | 'transient' | 'unknown';

export interface Failure {
  kind: FailureKind;
  /** A catalogue code (contracts/errors.ts) for the dead letter. */
  code: string;
  /** SQLSTATE or errno, when the error carries one. */
  detail?: string;
  message: string;
  /** Equal for "the same failure": what the repeated-failure rule compares. */
  signature: string;
}

/** Socket and DNS errnos after which the same call can succeed once the peer is back. */
const TRANSIENT_ERRNOS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ESOCKETTIMEDOUT']);

/**
 * SQLSTATE classes: 08 connection, 40 transaction rollback (40001 serialization, 40P01 deadlock),
 * 53 insufficient resources, 57 operator intervention (57P01 admin shutdown), 58 system error.
 */
const TRANSIENT_SQL_CLASSES = new Set(['08', '40', '53', '57', '58']);
/** 22 data exception (22P02 bad JSON text, 22P05 untranslatable NUL), 23 integrity, 42 syntax/access. */
const PERMANENT_SQL_CLASSES = new Set(['22', '23', '42']);
/**
 * 23505 is a race, not a bad value: withTxRetry re-runs the transaction and the loser finds the winner's
 * row. If one still escapes, another attempt is the right answer; a real duplicate repeats and is caught
 * by the repeated-failure rule.
 */
const RACE_SQLSTATES = new Set(['23505']);

const BUG_ERRORS = new Set(['TypeError', 'RangeError', 'SyntaxError', 'ReferenceError']);

/** Messages of drivers that throw plain Errors for a lost connection (pg, PGlite, kafkajs). */
const TRANSIENT_MESSAGE = /connection terminated|connection (?:was )?(?:closed|lost|reset)|socket hang up|timed? ?out|timeout|client has encountered a connection error|econnre(?:fused|set)/i;

function errnoOf(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; typeof e === 'object' && e !== null && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && TRANSIENT_ERRNOS.has(code)) return code;
  }
  return undefined;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function make(kind: FailureKind, code: string, message: string, detail?: string): Failure {
  return { kind, code, message, ...(detail ? { detail } : {}), signature: `${code}|${detail ?? ''}|${message}` };
}

/** Classifies one handler error; pure, so the same error always gets the same answer. */
export function classifyFailure(err: unknown): Failure {
  const message = messageOf(err);
  const errno = errnoOf(err);
  if (errno) return make('transient', 'STORE_UNAVAILABLE', message, errno);
  if (err instanceof LeadgateError) {
    const state = sqlState(err.cause);
    return make(err.retriable ? 'transient' : 'permanent', err.code, message, state);
  }
  const state = sqlState(err);
  if (state) {
    const cls = state.slice(0, 2);
    if (RACE_SQLSTATES.has(state)) return make('unknown', 'STORE_UNAVAILABLE', message, state);
    if (TRANSIENT_SQL_CLASSES.has(cls)) return make('transient', 'STORE_UNAVAILABLE', message, state);
    if (PERMANENT_SQL_CLASSES.has(cls)) return make('permanent', 'STORE_REJECTED', message, state);
  }
  // kafkajs marks its own errors; a broker that is electing a leader says retriable.
  const retriable = (err as { retriable?: unknown } | null)?.retriable;
  const errName = (err as { name?: unknown } | null)?.name;
  if (typeof retriable === 'boolean' && typeof errName === 'string' && errName.startsWith('KafkaJS')) {
    return make(retriable ? 'transient' : 'permanent', retriable ? 'BUS_UNAVAILABLE' : 'INTERNAL', message);
  }
  // A mapper or handler bug: the same record hits the same line every time.
  // By name, not instanceof: errors thrown by Node internals may come from another realm.
  const name = typeof err === 'object' && err !== null ? (err as { name?: unknown }).name : undefined;
  if (typeof name === 'string' && BUG_ERRORS.has(name)) return make('permanent', 'INTERNAL', message, name);
  if (name === 'TimeoutError') return make('transient', 'STORE_UNAVAILABLE', message, name);
  if (TRANSIENT_MESSAGE.test(message)) return make('transient', 'STORE_UNAVAILABLE', message);
  return make('unknown', 'INTERNAL', message);
}
