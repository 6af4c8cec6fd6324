import { Router, type Request } from 'express';
import { readBody } from '../../platform/http/body-reader.js';
import type { ConnectorContext, RunningIngress } from '../connector.port.js';
import type { TelephonyPayload } from './call.model.js';
import { createCallSweeper } from './call.sweeper.js';
import { SIPUNI_EVENTS, mapSipuniEvent } from './sipuni.mapping.js';
import { DEFAULT_SWEEP_TIMEOUT_SECONDS, secretLength, sweeperField } from './telephony.config.js';
import { field } from '../../platform/config/config-spec.js';
import { connectorConfig, defineConnector, type ConfigOf } from '../contract/define-connector.js';
import { acceptCallEvent, checkToken, counted, fieldText, requireText, type CallEvent } from './telephony.ingress.js';

/** A Sipuni account. Sipuni signs nothing, so the webhook URL carries a token. */
export const sipuniConfigSpec = connectorConfig('sipuni', {
  secret: field.string({ description: 'put in the URL as `?token=…` (or header `X-Leadgate-Token`)', required: true, ...secretLength, secret: true }),
  sweeper: sweeperField(DEFAULT_SWEEP_TIMEOUT_SECONDS),
});

export type SipuniConfig = ConfigOf<typeof sipuniConfigSpec>;

/** Sipuni's required answer: anything else and it "may suspend sending". */
const SUCCESS = { success: true } as const;

/** GET carries the fields in the query, POST in the body; the token never reaches the raw event. */
async function readFields(req: Request, limitBytes: number): Promise<Record<string, unknown>> {
  const fields: Record<string, unknown> = req.method === 'GET' ? { ...(req.query as Record<string, unknown>) } : (await readBody(req, { limitBytes })).fields;
  const { token: _token, ...rest } = fields;
  return rest;
}

function sipuniEvent(fields: Record<string, unknown>): CallEvent {
  const callId = requireText(fields, 'call_id');
  const event = requireText(fields, 'event');
  const payload: TelephonyPayload = { provider: 'sipuni', route: `event-${event}`, body: fields };
  const dst = fieldText(fields, 'dst_num') ?? '';
  // Sipuni repeats start events with a timestamp a second later, so the id leaves the timestamp out;
  // a call's final end happens once, and secondary-leg ends are told apart by their time.
  const ids: Record<string, string> = {
    [SIPUNI_EVENTS.start]: `${callId}:1:${dst}`,
    [SIPUNI_EVENTS.answer]: `${callId}:3:${dst}`,
    [SIPUNI_EVENTS.end]: `${callId}:2`,
  };
  const providerEventId = ids[event] ?? `${callId}:${event}:${dst}:${fieldText(fields, 'timestamp') ?? ''}`;
  const phase = event === SIPUNI_EVENTS.start ? 'start' : event === SIPUNI_EVENTS.answer ? 'answer' : event === SIPUNI_EVENTS.end ? 'end' : 'other';
  return { providerEventId, callId, phase, payload };
}

export function createSipuniRouter(ctx: ConnectorContext<SipuniConfig>): Router {
  const router = Router();
  const handle = counted(ctx, async (req, res) => {
    checkToken(req, ctx.config.secret);
    const fields = await readFields(req, ctx.bodyLimitBytes);
    await acceptCallEvent(ctx, req, sipuniEvent(fields));
    res.status(200).json(SUCCESS);
  });
  router.get('/', handle);
  router.post('/', handle);
  return router;
}

/**
 * Sipuni call events (GET or POST). Starts can arrive twice and ends may never arrive: duplicates share
 * a raw-event key, and the sweeper closes calls left open past `sweeper.timeoutSeconds`.
 */
export const sipuniConnector = defineConnector({
  channel: 'call',
  config: sipuniConfigSpec,
  mapper: mapSipuniEvent,
  createRouter: createSipuniRouter,
  start: async (ctx): Promise<RunningIngress> => createCallSweeper(ctx),
});
