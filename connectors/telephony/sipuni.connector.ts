import { Router, type Request } from 'express';
import { readBody } from '../../platform/http/body-reader.js';
import type { ConnectorContext, ConnectorPlugin, RunningIngress } from '../connector.port.js';
import type { TelephonyPayload } from './call.model.js';
import { createCallSweeper } from './call.sweeper.js';
import { SIPUNI_EVENTS, mapSipuniEvent } from './sipuni.mapping.js';
import { connectorIdSchema, DEFAULT_SWEEP_TIMEOUT_SECONDS, secretSchema, sweeperSchema, type TelephonyConfig } from './telephony.config.js';
import { acceptCallEvent, checkToken, counted, fieldText, requireText, type CallEvent } from './telephony.ingress.js';

/** A Sipuni account. Sipuni signs nothing, so the webhook URL carries a token. */
export interface SipuniConfig extends TelephonyConfig {
  kind: 'sipuni';
  /** Put in the URL as `?token=…` (or header `X-Leadgate-Token`). */
  secret: string;
}

export const sipuniConfigSchema = {
  $id: 'leadgate/connectors/sipuni/config',
  type: 'object',
  additionalProperties: false,
  required: ['id', 'kind', 'secret'],
  properties: {
    id: connectorIdSchema,
    kind: { const: 'sipuni' },
    secret: secretSchema,
    sweeper: sweeperSchema(DEFAULT_SWEEP_TIMEOUT_SECONDS),
  },
} as const;

/** Sipuni's required answer: anything else and it "may suspend sending". */
const SUCCESS = { success: true } as const;

/** GET carries the fields in the query, POST in the body; the token never reaches the raw event. */
async function readFields(req: Request): Promise<Record<string, unknown>> {
  const fields: Record<string, unknown> = req.method === 'GET' ? { ...(req.query as Record<string, unknown>) } : (await readBody(req)).fields;
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
    const fields = await readFields(req);
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
export const sipuniConnector: ConnectorPlugin<SipuniConfig> = {
  kind: 'sipuni',
  channel: 'call',
  configSchema: sipuniConfigSchema,
  mapper: mapSipuniEvent,
  createRouter: createSipuniRouter,
  start: async (ctx): Promise<RunningIngress> => createCallSweeper(ctx),
};
