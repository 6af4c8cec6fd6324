import { Router, type Request } from 'express';
import { LeadgateError } from '../../contracts/errors.js';
import { parseBody, parseContentType, readRawBody } from '../../platform/http/body-reader.js';
import type { ConnectorContext, RunningIngress } from '../connector.port.js';
import type { TelephonyPayload } from './call.model.js';
import { createCallSweeper } from './call.sweeper.js';
import { DEFAULT_SWEEP_TIMEOUT_SECONDS, sweeperField, timeZoneField, assertTimeZone } from './telephony.config.js';
import { field } from '../../platform/config/config-spec.js';
import { connectorConfig, defineConnector, type ConfigOf } from '../contract/define-connector.js';
import { acceptCallEvent, counted, fieldText, invalid, requireText, unauthorized, type CallEvent } from './telephony.ingress.js';
import { isZadarmaCallEvent, mapZadarmaEvent } from './zadarma.mapping.js';
import { verifyZadarmaSignature, zadarmaSignedString } from './zadarma.signature.js';

/** A Zadarma account: the API secret from "Settings → API and integrations". */
export const zadarmaConfigSpec = connectorConfig('zadarma', {
  apiSecret: field.string({ description: 'the API secret that keys the `Signature` header\'s HMAC-SHA1', required: true, minLength: 8, maxLength: 256, secret: true }),
  timeZone: timeZoneField('zone of the account\'s `call_start` wall-clock times (IANA name or `+03:00`)'),
  sweeper: sweeperField(DEFAULT_SWEEP_TIMEOUT_SECONDS),
});

export type ZadarmaConfig = ConfigOf<typeof zadarmaConfigSpec>;

// zd_echo is a random token; anything else is refused rather than reflected back.
const echoPattern = /^[A-Za-z0-9_.-]{1,128}$/;
const STRING_FIELDS = ['event', 'pbx_call_id', 'caller_id', 'called_did', 'destination', 'internal', 'call_start', 'call_id_with_rec'] as const;

/**
 * Reads urlencoded or multipart fields. Some Zadarma multipart bodies use a boundary two dashes longer than
 * the header declares; when parsing with the declared one fails, the boundary of the body's first line is used.
 */
async function readFields(req: Request, limitBytes: number): Promise<Record<string, unknown>> {
  const raw = await readRawBody(req, limitBytes);
  const header = req.get('content-type');
  try {
    return (await parseBody(raw, header)).fields;
  } catch (err) {
    const firstLine = raw.subarray(0, 200).toString('latin1').split('\r\n')[0] ?? '';
    if (parseContentType(header)?.mediaType !== 'multipart/form-data' || !/^--\S+$/.test(firstLine)) throw err;
    return (await parseBody(raw, `multipart/form-data; boundary=${firstLine.slice(2)}`)).fields;
  }
}

function zadarmaEvent(fields: Record<string, unknown>, event: string, context: Record<string, unknown>): CallEvent {
  const pbxCallId = requireText(fields, 'pbx_call_id');
  const body: Record<string, unknown> = { ...fields };
  const payload: TelephonyPayload = { provider: 'zadarma', route: event, body, context };
  const phase = event === 'NOTIFY_START' || event === 'NOTIFY_OUT_START' ? 'start' : event === 'NOTIFY_ANSWER' ? 'answer' : 'end';
  // An answer may come once per extension tried; starts and ends come once per call.
  const leg = event === 'NOTIFY_ANSWER' ? `:${fieldText(fields, 'destination') ?? fieldText(fields, 'internal') ?? ''}` : '';
  return { providerEventId: `${pbxCallId}:${event}${leg}`, callId: pbxCallId, phase, payload };
}

export function createZadarmaRouter(ctx: ConnectorContext<ZadarmaConfig>): Router {
  const router = Router();
  const { config } = ctx;
  assertTimeZone(config.id, config.timeZone);

  // Zadarma checks the URL by sending ?zd_echo=X and expecting X back as the body.
  router.get('/', (req, res, next) => {
    const echo = req.query.zd_echo;
    if (typeof echo !== 'string' || !echoPattern.test(echo)) {
      ctx.reject('invalid');
      next(new LeadgateError('BAD_REQUEST', 'Expected ?zd_echo=<token>', { details: { reason: 'bad_echo' } }));
      return;
    }
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.status(200).type('text/plain').send(echo);
  });

  router.post(
    '/',
    counted(ctx, async (req, res) => {
      const fields = await readFields(req, ctx.bodyLimitBytes);
      const strings: Record<string, string | undefined> = {};
      for (const name of STRING_FIELDS) strings[name] = fieldText(fields, name);
      const event = strings.event ?? '';
      const signed = zadarmaSignedString(event, strings);
      // Events whose signed string is unknown are never published, so they need no verification.
      if (signed !== undefined && !verifyZadarmaSignature(config.apiSecret, signed, req.get('signature'))) {
        throw unauthorized(req.get('signature') ? 'bad_signature' : 'missing_signature', 'The Signature header does not match');
      }
      if (!event) throw invalid('Field "event" is required', { reason: 'missing_field', field: 'event' });
      if (!isZadarmaCallEvent(event)) {
        ctx.reject('ignored');
        // Plain text: a JSON reply to NOTIFY_IVR/START could be read as routing instructions.
        res.status(200).type('text/plain').send(`ignored: ${event} is not a call event`);
        return;
      }
      await acceptCallEvent(ctx, req, zadarmaEvent(fields, event, { timeZone: config.timeZone }));
      res.status(200).type('text/plain').send('');
    }),
  );
  return router;
}

/** Zadarma PBX notifications: one URL for NOTIFY_START/ANSWER/END and NOTIFY_OUT_START/OUT_END. */
export const zadarmaConnector = defineConnector({
  channel: 'call',
  config: zadarmaConfigSpec,
  mapper: mapZadarmaEvent,
  createRouter: createZadarmaRouter,
  start: async (ctx): Promise<RunningIngress> => createCallSweeper(ctx),
});

