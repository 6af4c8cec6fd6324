/**
 * The one catalogue of error codes. Every code has an HTTP status (for the gateway) and says whether a
 * retry can help. `docs/errors.md` documents the same list; a test keeps the two in step.
 */
export const ErrorCatalogue = {
  BAD_REQUEST: { status: 400, retriable: false, summary: 'The request is malformed (bad JSON, bad form encoding).' },
  VALIDATION_FAILED: { status: 422, retriable: false, summary: 'The request or record does not match its schema.' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, retriable: false, summary: 'The Content-Type is not accepted by this endpoint.' },
  PAYLOAD_TOO_LARGE: { status: 413, retriable: false, summary: 'The body exceeds the configured size limit.' },
  UNAUTHORIZED: { status: 401, retriable: false, summary: 'A secret, token or signature is missing or wrong.' },
  FORBIDDEN: { status: 403, retriable: false, summary: 'The caller is not allowed to do this (origin, role).' },
  NOT_FOUND: { status: 404, retriable: false, summary: 'No such connector, lead or record.' },
  BUS_UNAVAILABLE: { status: 503, retriable: true, summary: 'The event bus cannot durably store the event now; retry later.' },
  STORE_UNAVAILABLE: { status: 503, retriable: true, summary: 'The store is unreachable; retry later.' },
  SHUTTING_DOWN: { status: 503, retriable: true, summary: 'This instance is shutting down and takes nothing new; retry (on another instance).' },
  STORE_REJECTED: { status: 422, retriable: false, summary: 'The store refused a value (a data or integrity error); the record is dead-lettered.' },
  CONFIG_INVALID: { status: 500, retriable: false, summary: 'The configuration does not match its schema.' },
  MAPPING_FAILED: { status: 422, retriable: false, summary: "A connector's mapper rejected the raw event." },
  DESTINATION_REJECTED: { status: 502, retriable: false, summary: 'The CRM refused the record permanently (4xx).' },
  DESTINATION_UNAVAILABLE: { status: 503, retriable: true, summary: 'The CRM is down, slow or throttling; the delivery is retried.' },
  INTERNAL: { status: 500, retriable: false, summary: 'An unexpected fault; see the logs.' },
} as const;

export type ErrorCode = keyof typeof ErrorCatalogue;

export interface LeadgateErrorOptions {
  /** Overrides the catalogue's default when the same code can be transient in one place. */
  retriable?: boolean;
  cause?: unknown;
  /** Machine-readable extras for the caller (field path, retry-after seconds, CRM response). */
  details?: Record<string, unknown>;
}

/** Root of every error Leadgate raises on purpose. `retriable` is always explicit, never guessed. */
export class LeadgateError extends Error {
  readonly code: ErrorCode;
  readonly retriable: boolean;
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: LeadgateErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.name = 'LeadgateError';
    this.code = code;
    this.retriable = options.retriable ?? ErrorCatalogue[code].retriable;
    this.details = options.details ?? {};
  }

  get status(): number {
    return ErrorCatalogue[this.code].status;
  }

  /** The JSON body the HTTP layer answers with. */
  toBody(): { error: { code: ErrorCode; message: string; details?: Record<string, unknown> } } {
    const body = { code: this.code, message: this.message };
    return { error: Object.keys(this.details).length > 0 ? { ...body, details: this.details } : body };
  }
}

export function isLeadgateError(err: unknown): err is LeadgateError {
  return err instanceof LeadgateError;
}
