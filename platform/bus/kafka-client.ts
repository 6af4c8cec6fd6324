import kafkajs from 'kafkajs';
import type { Kafka, LogEntry, logCreator } from 'kafkajs';
import { LeadgateError } from '../../contracts/errors.js';
import type { Logger } from '../telemetry/logger.js';

// kafkajs is CommonJS and builds its exports with an object spread, which Node's ESM named-export
// detection cannot see; the default import is the one form that works under Node and jest alike.
const { Kafka: KafkaClient, logLevel } = kafkajs;

export interface KafkaClientOptions {
  brokers: string[];
  clientId: string;
  logger: Logger;
  connectionTimeoutMs: number;
  requestTimeoutMs: number;
}

/**
 * kafkajs messages repeated on every internal retry: each is followed by another attempt, and a final
 * failure reaches us as a thrown error that the adapter logs once with context. At warn they would turn
 * a broker outage or a routine rebalance into a log flood.
 */
const perAttemptMessages = [/^Connection error/, /^Failed to connect to seed broker/, /^Response /, /rebalancing/, /^Connection timeout/];

/**
 * kafkajs logs through pino at warn and above only: its info chatter (group joins, producer connects)
 * would break the service's silence-at-info policy. Per-attempt noise is demoted to debug.
 */
function pinoLogCreator(logger: Logger): logCreator {
  return () =>
    ({ namespace, level, log }: LogEntry) => {
      const { message, timestamp: _timestamp, ...extra } = log;
      // Emitted for every producer we create; the bounded retries it warns about are deliberate.
      if (message.startsWith('Limiting retries for the idempotent producer')) return;
      const fields = { kafkajs: { namespace, ...extra } };
      const text = `kafkajs: ${message}`;
      if (level > logLevel.WARN) return;
      if (perAttemptMessages.some((re) => re.test(message))) logger.debug(fields, text);
      else if (level === logLevel.ERROR) logger.error(fields, text);
      else logger.warn(fields, text);
    };
}

export function createKafkaClient(options: KafkaClientOptions): Kafka {
  return new KafkaClient({
    brokers: options.brokers,
    clientId: options.clientId,
    connectionTimeout: options.connectionTimeoutMs,
    requestTimeout: options.requestTimeoutMs,
    logLevel: logLevel.WARN,
    logCreator: pinoLogCreator(options.logger),
    // Short client-level retries (about 4 s in all): the adapter bounds every publish itself, and a consumer
    // that runs out of retries is restarted by kafkajs (restartOnFailure), which rides out a broker restart.
    retry: { initialRetryTime: 100, maxRetryTime: 1_000, retries: 6 },
  });
}

/** Races `promise` against a timer; the loser keeps running, so callers must make a late result harmless. */
export function withTimeout<T>(promise: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Broker answers that no retry can fix: the record itself is refused. */
const permanentKafkaErrors = new Set([
  'MESSAGE_TOO_LARGE',
  'RECORD_LIST_TOO_LARGE',
  'INVALID_RECORD',
  'CORRUPT_MESSAGE',
  'INVALID_TOPIC_EXCEPTION',
  'TOPIC_AUTHORIZATION_FAILED',
]);

/** Connection-level failures: the broker is not there, so retrying a metadata step right away is pointless. */
export function isConnectionFailure(err: unknown, depth = 0): boolean {
  if (depth > 5 || typeof err !== 'object' || err === null) return false;
  const { name, cause } = err as { name?: unknown; cause?: unknown };
  if (typeof name === 'string' && /^KafkaJS(Connection|ConnectionClosed|RequestTimeout|BrokerNotFound)Error$/.test(name)) return true;
  return isConnectionFailure(cause, depth + 1);
}

function errorTypes(err: unknown, depth = 0): string[] {
  if (depth > 5 || typeof err !== 'object' || err === null) return [];
  const { type, cause, originalError } = err as { type?: unknown; cause?: unknown; originalError?: unknown };
  const own = typeof type === 'string' ? [type] : [];
  return [...own, ...errorTypes(originalError, depth + 1), ...errorTypes(cause, depth + 1)];
}

/**
 * Every failed produce becomes BUS_UNAVAILABLE (the record is not known to be durable), retriable unless
 * the broker refused the record itself; kafkajs wraps those inside "retries exceeded" errors, hence the walk.
 */
export function toBusUnavailable(err: unknown, message: string): LeadgateError {
  if (err instanceof LeadgateError) return err;
  const types = errorTypes(err);
  const permanent = types.some((t) => permanentKafkaErrors.has(t));
  const reason = err instanceof Error ? err.message : String(err);
  return new LeadgateError('BUS_UNAVAILABLE', `${message}: ${reason}`, {
    cause: err,
    retriable: !permanent,
    details: types.length > 0 ? { kafkaError: types[0] } : {},
  });
}
