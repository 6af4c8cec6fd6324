import { LeadgateError } from '../../contracts/errors.js';
import type { ConnectorConfig } from '../connector.port.js';
import { field, type TypeOf } from '../../platform/config/config-spec.js';

/** The `sweeper` block with a per-kind default timeout (Sipuni drops end events, so its default matters most). */
export function sweeperField(defaultTimeoutSeconds: number) {
  return field.object(
    {
      timeoutSeconds: field.number({ description: 'a call with a start and no end for this long is closed as missed; 0 turns tracking and sweeping off', minimum: 0, maximum: 7 * 24 * 3600, default: defaultTimeoutSeconds }),
      intervalSeconds: field.number({ description: 'how often each gateway looks for such calls', exclusiveMinimum: 0, maximum: 3600, default: 60 }),
    },
    { description: 'closing of calls whose end never arrived', default: {} },
  );
}

/** When and how often open calls are closed by the sweeper. */
export type SweeperConfig = TypeOf<ReturnType<typeof sweeperField>>;

/** Settings every telephony kind shares. */
export type TelephonyConfig = ConnectorConfig & { sweeper: SweeperConfig };

/** Long enough that a token in a URL cannot be guessed online. */
export const secretLength = { minLength: 16, maxLength: 256 } as const;

export const secretField = (description: string) => field.string({ description, ...secretLength, secret: true });

export const DEFAULT_SWEEP_TIMEOUT_SECONDS = 2 * 3600;

/** An IANA zone (`Europe/Moscow`) or a fixed offset (`+03:00`) for providers that send wall-clock times. */
export const timeZoneField = (description: string) => field.string({ description, pattern: '^([A-Za-z_]+(/[A-Za-z0-9_+-]+)*|[+-]\\d{2}:?\\d{2})$', default: 'UTC' });

/** Refuses a zone name the runtime does not know at start, rather than dead-lettering every event later. */
export function assertTimeZone(connectorId: string, timeZone: string): void {
  if (/^[+-]\d{2}:?\d{2}$/.test(timeZone)) return;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
  } catch (cause) {
    throw new LeadgateError('CONFIG_INVALID', `Connector "${connectorId}": unknown timeZone "${timeZone}"`, { cause, details: { connector: connectorId } });
  }
}
