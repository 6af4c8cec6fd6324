import type { RingingCall } from '../../contracts/live-event.js';
import { extractGenericCall } from './call-webhook.mapping.js';
import type { TelephonyPayload, TelephonyProvider } from './call.model.js';
import { extractMangoCall } from './mango.mapping.js';
import { extractSipuniCall } from './sipuni.mapping.js';
import type { CallExtractor } from './telephony.mapping.js';
import { extractZadarmaCall } from './zadarma.mapping.js';

const extractors: Readonly<Record<TelephonyProvider, CallExtractor>> = {
  mango: extractMangoCall,
  zadarma: extractZadarmaCall,
  sipuni: extractSipuniCall,
  'call-webhook': extractGenericCall,
};

/**
 * The incoming-call popup facts of a start event, read with the same pure extractor the normalizer maps
 * with, so the popup's `callId` equals the later lead's `call.callId`. Undefined for what deserves no
 * popup: outbound or internal calls, hidden numbers, payloads the extractor cannot read.
 */
export function ringingOf(connectorId: string, payload: TelephonyPayload, receivedAt: Date): RingingCall | undefined {
  const extract = extractors[payload.provider];
  let model;
  try {
    model = extract(payload, receivedAt.toISOString());
  } catch {
    // The normalizer will report the payload; a popup is not worth a second error path.
    return undefined;
  }
  if ('ignore' in model || model.final || model.direction !== 'inbound' || !model.caller || !model.externalCallId) return undefined;
  const call: RingingCall = {
    caller: model.caller,
    callId: `${model.provider}:${model.externalCallId}`,
    provider: model.provider,
    connectorId,
    at: model.startedAt ?? receivedAt.toISOString(),
  };
  if (model.line) call.line = model.line;
  return call;
}
