import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Logger } from 'pino';
import { LeadgateError, isLeadgateError } from '../contracts/errors.js';
import { rawEventV1Schema, type RawEventV1 } from '../contracts/raw-event.js';
import { Topics } from '../contracts/topics.js';
import type { ConnectorConfig, ConnectorPlugin, IngestRequest, IngestResult } from '../connectors/connector.port.js';
import type { Bus } from '../platform/bus/bus.port.js';
import { DEFAULT_RETRY_AFTER_SEC } from '../platform/http/error-handler.js';
import { safeHeaders } from '../platform/http/request-meta.js';
import type { Metrics } from '../platform/telemetry/metrics.js';
import { TEXT_REPAIRED_FLAG, findUnsafeText, repairDeep } from '../platform/text/safe-text.js';
import { describeErrors, compile } from '../platform/validation.js';
import { createRawKeyBuilder, type RawKeyBuilder } from './raw-key.js';

/** When the current HTTP request arrived, so `receivedAt` and the ingest latency include body reading. */
const requestClock = new AsyncLocalStorage<{ startedAt: number }>();

export function stampRequestTime(): RequestHandler {
  return (_req, _res, next) => requestClock.run({ startedAt: Date.now() }, next);
}

export { canonicalJson } from './raw-key.js';

export interface IngestDeps {
  plugin: ConnectorPlugin;
  config: ConnectorConfig;
  bus: Bus;
  metrics: Metrics;
  logger: Logger;
  /** Builds the raw-topic key (gateway/raw-key.ts); without one, id-less bodies are keyed by a time bucket. */
  rawKey?: RawKeyBuilder;
  /** Clock for events ingested outside an HTTP request (pollers, tests); defaults to `Date.now`. */
  now?: () => number;
}

/** Builds a connector's `ctx.ingest`: RawEvent v1 → schema check → durable publish → metrics. */
export function createIngest(deps: IngestDeps): (request: IngestRequest) => Promise<IngestResult> {
  const { plugin, config, bus, metrics, logger } = deps;
  const rawKey = deps.rawKey ?? createRawKeyBuilder({ logger });
  const now = deps.now ?? Date.now;
  const validate = compile<RawEventV1>(rawEventV1Schema);
  const count = (outcome: string): void => {
    metrics.eventsReceived.inc({ connector: config.id, outcome });
  };

  return async (incoming) => {
    const startedAt = requestClock.getStore()?.startedAt ?? now();
    const request = safeRequest(incoming, requestClock.getStore() !== undefined, count);
    const event: RawEventV1 = {
      v: 1,
      id: randomUUID(),
      connector: { id: config.id, kind: plugin.kind },
      channel: request.channel ?? plugin.channel,
      receivedAt: new Date(startedAt).toISOString(),
      payload: request.payload,
      meta: sanitizeMeta(request.meta),
    };
    if (request.providerEventId !== undefined) event.providerEventId = request.providerEventId;
    if (!validate(event)) {
      count('invalid');
      const problems = describeErrors(validate.errors);
      throw new LeadgateError('VALIDATION_FAILED', `The raw event is invalid: ${problems.join('; ')}`, { details: { problems } });
    }
    const key = await rawKey(config.id, event.providerEventId, event.payload, startedAt);
    try {
      await bus.publish(Topics.raw, key, event, { 'content-type': 'application/json', 'leadgate-event-id': event.id });
    } catch (cause) {
      count('unavailable');
      logger.warn({ err: cause, event: 'connector.publish_failed', key }, 'raw event not published');
      const retryAfterSec = isLeadgateError(cause) && typeof cause.details.retryAfterSec === 'number' ? cause.details.retryAfterSec : DEFAULT_RETRY_AFTER_SEC;
      throw new LeadgateError('BUS_UNAVAILABLE', 'The event could not be stored durably; retry later', { cause, details: { retryAfterSec } });
    }
    metrics.ingestLatency.observe({ connector: config.id }, (now() - startedAt) / 1000);
    // Spam is kept on the bus (so it can be audited) but counted apart, so the accepted rate stays honest.
    count(event.meta.flags?.includes('spam') ? 'spam' : 'accepted');
    return { eventId: event.id, key };
  };
}

/**
 * Text is made safe here, once, for every connector (platform/text/safe-text.ts): under an HTTP request a
 * NUL or lone surrogate anywhere is refused with the field's path, so the sender can fix it; a background
 * ingress (IMAP, polling) has nobody to answer, so its text is repaired and the event flagged.
 */
function safeRequest(request: IngestRequest, overHttp: boolean, count: (outcome: string) => void): IngestRequest {
  const unsafe = findUnsafeText({ payload: request.payload, providerEventId: request.providerEventId, meta: request.meta });
  if (!unsafe) return request;
  if (overHttp) {
    count('invalid');
    throw new LeadgateError('VALIDATION_FAILED', `Field ${unsafe.path} holds ${unsafe.reason === 'nul' ? 'a NUL character' : 'a lone UTF-16 surrogate'}`, {
      details: { reason: 'invalid_text', field: unsafe.path, problem: unsafe.reason, ...(unsafe.inKey ? { inKey: true } : {}) },
    });
  }
  const repaired = repairDeep(request);
  const flags = [...(repaired.meta?.flags ?? []), TEXT_REPAIRED_FLAG];
  return { ...repaired, meta: { ...repaired.meta, flags } };
}

/** Connectors build meta with the shared helper; the gateway filters again so one careless plugin cannot store a secret. */
function sanitizeMeta(meta: RawEventV1['meta'] | undefined): RawEventV1['meta'] {
  const out: RawEventV1['meta'] = {};
  if (!meta) return out;
  if (meta.remoteIp) out.remoteIp = meta.remoteIp;
  if (meta.userAgent) out.userAgent = meta.userAgent;
  if (meta.headers) out.headers = safeHeaders(meta.headers);
  if (meta.flags && meta.flags.length > 0) out.flags = [...meta.flags];
  return out;
}
