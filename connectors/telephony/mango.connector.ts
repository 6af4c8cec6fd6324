import { Router } from 'express';
import type { ConnectorContext, RunningIngress } from '../connector.port.js';
import { readBody } from '../../platform/http/body-reader.js';
import { createCallSweeper } from './call.sweeper.js';
import { extractMangoCall, MANGO_CALL_ROUTE, MANGO_SUMMARY_ROUTE, mapMangoEvent, parseMangoJson } from './mango.mapping.js';
import { verifyMangoSign } from './mango.signature.js';
import { DEFAULT_SWEEP_TIMEOUT_SECONDS, sweeperField } from './telephony.config.js';
import { field } from '../../platform/config/config-spec.js';
import { connectorConfig, defineConnector, type ConfigOf } from '../contract/define-connector.js';
import { acceptCallEvent, counted, fieldText, invalid, type CallEvent } from './telephony.ingress.js';
import { textOf, type TelephonyPayload } from './call.model.js';

/** A Mango Office VPBX instance: the API key and salt from the VPBX "API integration" page. */
export const mangoConfigSpec = connectorConfig('mango', {
  apiKey: field.string({ description: '`vpbx_api_key`: must equal the field Mango sends', required: true, minLength: 8, maxLength: 256, secret: true }),
  apiSalt: field.string({ description: '`vpbx_api_salt` ("подпись"): never sent, only hashed into `sign`', required: true, minLength: 8, maxLength: 256, secret: true }),
  sweeper: sweeperField(DEFAULT_SWEEP_TIMEOUT_SECONDS),
});

export type MangoConfig = ConfigOf<typeof mangoConfigSpec>;

/** Maps the `json` of a verified Mango event to the event to publish; legs are tracked, summaries close. */
function mangoEvent(route: string, json: string): CallEvent {
  let data: Record<string, unknown>;
  try {
    data = parseMangoJson(json);
  } catch {
    throw invalid('The json field is not a JSON object', { reason: 'bad_json' });
  }
  const entryId = textOf(data.entry_id);
  if (!entryId) throw invalid('entry_id is required', { reason: 'missing_field', field: 'entry_id' });
  const payload: TelephonyPayload = { provider: 'mango', route, body: { json } };
  if (route === MANGO_SUMMARY_ROUTE) return { providerEventId: `${entryId}:summary`, callId: entryId, phase: 'end', payload };
  const callId = textOf(data.call_id) ?? '';
  const seq = textOf(data.seq) ?? textOf(data.timestamp) ?? '';
  const state = textOf(data.call_state);
  // Only legs the events show as inbound are tracked: the sweeper must never close an outbound or
  // command leg into a lead.
  const leg = extractMangoCall(payload);
  const inbound = !('ignore' in leg) && leg.direction === 'inbound';
  const phase = !inbound ? 'other' : state === 'Appeared' ? 'start' : state === 'Connected' ? 'answer' : 'other';
  // Retries of a leg repeat its seq; distinct legs of one entry differ in call_id or seq.
  return { providerEventId: `${entryId}:${callId}:${seq}`, callId: entryId, phase, payload };
}

export function createMangoRouter(ctx: ConnectorContext<MangoConfig>): Router {
  const router = Router();
  const handle = (route: string) =>
    counted(ctx, async (req, res) => {
      const body = await readBody(req, { limitBytes: ctx.bodyLimitBytes });
      const fields = body.fields;
      // The json string goes to the hash exactly as decoded from the form, before anything parses it.
      const json = fieldText(fields, 'json') ?? '';
      verifyMangoSign(ctx.config, fieldText(fields, 'vpbx_api_key'), fieldText(fields, 'sign'), json);
      if (json.trim() === '') throw invalid('The json field is required', { reason: 'missing_field', field: 'json' });
      const event = mangoEvent(route, json);
      await acceptCallEvent(ctx, req, event);
      res.status(200).json({ success: true });
    });
  router.post(`/${MANGO_CALL_ROUTE}`, handle(MANGO_CALL_ROUTE));
  router.post(`/${MANGO_SUMMARY_ROUTE}`, handle(MANGO_SUMMARY_ROUTE));
  // "Проверить подключение" hits ping; recordings, DTMF and SMS results carry no call outcome. Answered
  // 200 so Mango keeps the integration enabled; nothing is published, so nothing needs verifying.
  router.all('/{*rest}', (req, res) => {
    if (!req.path.endsWith('/ping')) ctx.reject('ignored');
    res.status(200).json({ success: true });
  });
  return router;
}

/** Mango Office VPBX realtime events: legs on `/events/call`, the final summary on `/events/summary`. */
export const mangoConnector = defineConnector({
  channel: 'call',
  config: mangoConfigSpec,
  mapper: mapMangoEvent,
  createRouter: createMangoRouter,
  start: async (ctx): Promise<RunningIngress> => createCallSweeper(ctx),
});
