import { Router, type Request } from 'express';
import { readBody, type ParsedBody } from '../../platform/http/body-reader.js';
import { verifyHmac } from '../../platform/http/signatures.js';
import type { ConnectorContext, RunningIngress } from '../connector.port.js';
import type { TelephonyPayload } from './call.model.js';
import { GENERIC_FIELDS, readGenericCall, type GenericField } from './call-webhook.schema.js';
import { mapGenericCall } from './call-webhook.mapping.js';
import { createCallSweeper } from './call.sweeper.js';
import { secretField, sweeperField, timeZoneField, assertTimeZone } from './telephony.config.js';
import { field, type Field } from '../../platform/config/config-spec.js';
import { connectorConfig, defineConnector, type ConfigOf } from '../contract/define-connector.js';
import { acceptCallEvent, checkToken, counted, invalid, unauthorized } from './telephony.ingress.js';

export const SIGNATURE_HEADER = 'x-leadgate-signature';

const valueMap = (description: string) => field.map(field.string({ description: 'the model value', maxLength: 200 }), { description, maxProperties: 100 });
const oneOf = <const V extends readonly string[]>(values: V, description: string) => field.oneOf(values, { description });

/** Any PBX that can POST JSON (or a form) per call event, optionally through a per-connector field mapping. */
export const callWebhookConfigSpec = connectorConfig(
  'call-webhook',
  {
    secret: secretField('shared token: header `X-Leadgate-Token` or `?token=` (UIS/CoMagic templates cannot sign)'),
    hmacSecret: secretField('HMAC-SHA256 key: header `X-Leadgate-Signature: sha256=<hex of HMAC(raw body)>`'),
    mapping: field.object(
      {
        fields: field.object(
          Object.fromEntries(GENERIC_FIELDS.map((f) => [f, field.string({ description: `path of \`${f}\` in the body (JSON pointer or dotted)`, minLength: 1, maxLength: 300 })])) as Record<GenericField, Field<string, false>>,
          { description: 'model field → JSON pointer (`/call/id`) or dotted path (`call.id`) in the received body' },
        ),
        values: field.object(
          { event: valueMap('provider value → `start`/`answer`/`end`'), direction: valueMap('provider value → `inbound`/`outbound`'), outcome: valueMap('provider value → outcome, e.g. `"Lost call": missed`') },
          { description: 'value translations per model field' },
        ),
        defaults: field.object(
          {
            event: oneOf(['start', 'answer', 'end'], 'event when the body has none'),
            direction: oneOf(['inbound', 'outbound'], 'direction when the body has none'),
            outcome: oneOf(['answered', 'missed', 'busy', 'cancelled', 'failed'], 'outcome when the body has none (a template that only fires on "Lost call" knows it)'),
          },
          { description: 'values used when the body has none' },
        ),
      },
      { description: 'reads a PBX\'s own JSON shape into the documented call model (README)' },
    ),
    timeZone: timeZoneField('zone for times sent without one (`2024-05-14 09:31:00`); IANA name or `+03:00`'),
    // Generic senders often notify only the end, so no calls are tracked unless a timeout is configured.
    sweeper: sweeperField(0),
  },
  // An unauthenticated call webhook would let anyone create leads.
  { anyOf: [{ required: ['secret'] }, { required: ['hmacSecret'] }] },
);

export type CallWebhookConfig = ConfigOf<typeof callWebhookConfigSpec>;

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
      const body = await readBody(req, { limitBytes: ctx.bodyLimitBytes });
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
export const callWebhookConnector = defineConnector({
  channel: 'call',
  config: callWebhookConfigSpec,
  mapper: mapGenericCall,
  createRouter: createCallWebhookRouter,
  start: async (ctx): Promise<RunningIngress> => createCallSweeper(ctx),
});
