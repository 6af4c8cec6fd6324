import { LeadgateError } from '../../contracts/errors.js';
import type { ConnectorConfig } from '../connector.port.js';

/** When and how often open calls are closed by the sweeper. */
export interface SweeperConfig {
  /** A call with a start and no end for this long is closed as missed; 0 turns tracking and sweeping off. */
  timeoutSeconds: number;
  /** How often each gateway looks for such calls. */
  intervalSeconds: number;
}

/** Settings every telephony kind shares. */
export interface TelephonyConfig extends ConnectorConfig {
  sweeper: SweeperConfig;
}

export const connectorIdSchema = { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]{0,63}$' } as const;

/** Long enough that a token in a URL cannot be guessed online. */
export const secretSchema = { type: 'string', minLength: 16, maxLength: 256 } as const;

/** The `sweeper` block with a per-kind default timeout (Sipuni drops end events, so its default matters most). */
export function sweeperSchema(defaultTimeoutSeconds: number): Record<string, unknown> {
  return {
    type: 'object',
    additionalProperties: false,
    default: {},
    properties: {
      timeoutSeconds: { type: 'number', minimum: 0, maximum: 7 * 24 * 3600, default: defaultTimeoutSeconds },
      intervalSeconds: { type: 'number', exclusiveMinimum: 0, maximum: 3600, default: 60 },
    },
  };
}

export const DEFAULT_SWEEP_TIMEOUT_SECONDS = 2 * 3600;

/** An IANA zone (`Europe/Moscow`) or a fixed offset (`+03:00`) for providers that send wall-clock times. */
export const timeZoneSchema = { type: 'string', pattern: '^([A-Za-z_]+(/[A-Za-z0-9_+-]+)*|[+-]\\d{2}:?\\d{2})$', default: 'UTC' } as const;

/** Refuses a zone name the runtime does not know at start, rather than dead-lettering every event later. */
export function assertTimeZone(connectorId: string, timeZone: string): void {
  if (/^[+-]\d{2}:?\d{2}$/.test(timeZone)) return;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
  } catch (cause) {
    throw new LeadgateError('CONFIG_INVALID', `Connector "${connectorId}": unknown timeZone "${timeZone}"`, { cause, details: { connector: connectorId } });
  }
}
