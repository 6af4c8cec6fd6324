import { Router, type Request } from 'express';
import { readBody, type ParsedBody } from '../../platform/http/body-reader.js';
import { verifyHmac } from '../../platform/http/signatures.js';
import type { ConnectorContext, ConnectorPlugin, RunningIngress } from '../connector.port.js';
import type { TelephonyPayload } from './call.model.js';
import { GENERIC_FIELDS, readGenericCall, type FieldMapping } from './call-webhook.schema.js';
import { mapGenericCall } from './call-webhook.mapping.js';
import { createCallSweeper } from './call.sweeper.js';
import { connectorIdSchema, secretSchema, sweeperSchema, timeZoneSchema, assertTimeZone, type TelephonyConfig } from './telephony.config.js';
import { acceptCallEvent, checkToken, counted, invalid, unauthorized } from './telephony.ingress.js';

export const SIGNATURE_HEADER = 'x-leadgate-signature';

/** Any PBX that can POST JSON (or a form) per call event, optionally through a per-connector field mapping. */
export interface CallWebhookConfig extends TelephonyConfig {
  kind: 'call-webhook';
  /** Shared token: header `X-Leadgate-Token` or `?token=` (UIS/CoMagic templates cannot sign). */
  secret?: string;
  /** HMAC-SHA256 key: header `X-Leadgate-Signature: sha256=<hex of HMAC(raw body)>`. */
  hmacSecret?: string;
  mapping?: FieldMapping;
  /** Zone for times sent without one (`2024-05-14 09:31:00`); IANA name or `+03:00`. */
  timeZone: string;
}

const valueMap = { type: 'object', maxProperties: 100, additionalProperties: { type: 'string', maxLength: 200 } } as const;

export const callWebhookConfigSchema = {
  $id: 'leadgate/connectors/call-webhook/config',
  type: 'object',
  additionalProperties: false,
  required: ['id', 'kind'],
  // An unauthenticated call webhook would let anyone create leads.
  anyOf: [{ required: ['secret'] }, { required: ['hmacSecret'] }],
  properties: {
    id: connectorIdSchema,
    kind: { const: 'call-webhook' },
    secret: secretSchema,
    hmacSecret: secretSchema,
    mapping: {
      type: 'object',
      additionalProperties: false,
      properties: {
        fields: {
          type: 'object',
          additionalProperties: false,
          properties: Object.fromEntries(GENERIC_FIELDS.map((f) => [f, { type: 'string', minLength: 1, maxLength: 300 }])),
        },
        values: { type: 'object', additionalProperties: false, properties: { event: valueMap, direction: valueMap, outcome: valueMap } },
        defaults: {
          type: 'object',
          additionalProperties: false,
          properties: {
            event: { enum: ['start', 'answer', 'end'] },
            direction: { enum: ['inbound', 'outbound'] },
            outcome: { enum: ['answered', 'missed', 'busy', 'cancelled', 'failed'] },
          },
        },
      },
    },
    timeZone: timeZoneSchema,
    // Generic senders often notify only the end, so no calls are tracked unless a timeout is configured.
    sweeper: sweeperSchema(0),
  },
} as const;

/** A valid signature, when configured and sent, is enough; otherwise the token is required. */
function authenticate(req: Request, config: CallWebhookConfig, body: ParsedBody): void {
  const signature = req.get(SIGNATURE_HEADER);
  if (config.hmacSecret && (signature || !config.secret)) {
    if (!verifyHmac({ secret: config.hmacSecret, data: body.raw, signature, prefix: 'sha256=' })) {
      throw unauthorized(signature ? 'bad_signature' : 'missing_signature', 'The signature does not match the body');
    }
    return;
  }
  if (config.secret) checkToken(req, config.secret);
}

export function createCallWebhookRouter(ctx: ConnectorContext<CallWebhookConfig>): Router {
  const router = Router();
  const { config } = ctx;
  assertTimeZone(config.id, config.timeZone);
  router.post(
    '/',
    counted(ctx, async (req, res) => {
      // A token can be refused before the body is read; a signature needs the bytes.
      if (config.secret && !(config.hmacSecret && req.get(SIGNATURE_HEADER))) checkToken(req, config.secret);
      const body = await readBody(req);
      authenticate(req, config, body);
      const check = readGenericCall(body.fields, config.mapping);
      if (!check.ok) throw invalid('The call notification does not match the call webhook schema', { reason: 'schema', problems: check.problems });
      const { call } = check;
      const { token: _token, ...fields } = body.fields;
      const context: Record<string, unknown> = { timeZone: config.timeZone };
      if (config.mapping) context.mapping = config.mapping;
      const payload: TelephonyPayload = { provider: 'call-webhook', route: call.event, body: fields, context };
      const phase = call.event;
      const result = await acceptCallEvent(ctx, req, { providerEventId: call.eventId ?? `${call.callId}:${call.event}`, callId: call.callId, phase, payload });
      res.status(202).json({ status: 'accepted', eventId: result.eventId });
    }),
  );
  return router;
}

/** The generic call webhook: one documented JSON shape (README) or any shape through `mapping`. */
export const callWebhookConnector: ConnectorPlugin<CallWebhookConfig> = {
  kind: 'call-webhook',
  channel: 'call',
  configSchema: callWebhookConfigSchema,
  mapper: mapGenericCall,
  createRouter: createCallWebhookRouter,
  start: async (ctx): Promise<RunningIngress> => createCallSweeper(ctx),
};
