import { createHmac } from 'node:crypto';
import { callWebhookConnector, type CallWebhookConfig } from '../../connectors/telephony/call-webhook.connector.js';
import { mangoConnector, type MangoConfig } from '../../connectors/telephony/mango.connector.js';
import { mangoSign } from '../../connectors/telephony/mango.signature.js';
import { sipuniConnector, type SipuniConfig } from '../../connectors/telephony/sipuni.connector.js';
import { zadarmaConnector, type ZadarmaConfig } from '../../connectors/telephony/zadarma.connector.js';
import { zadarmaSignatures, zadarmaSignedString } from '../../connectors/telephony/zadarma.signature.js';
import { conformanceCase, type ConformanceSuite } from '../support/connector-conformance.js';

const form = { 'Content-Type': 'application/x-www-form-urlencoded' };
const sweeper = { timeoutSeconds: 7200, intervalSeconds: 60 };

// Mango
const mango = { apiKey: 'conf-mango-key', apiSalt: 'conf-mango-salt' };
const mangoForm = (json: string, salt = mango.apiSalt): string =>
  new URLSearchParams({ vpbx_api_key: mango.apiKey, sign: mangoSign(mango.apiKey, json, salt), json }).toString();
const summary = JSON.stringify({ entry_id: 'E1', call_direction: 1, from: { number: '79161234567' }, line_number: '74951234567', create_time: 1715679060, talk_time: 0, end_time: 1715679100, entry_result: 0, disconnect_reason: 1110 });


// Zadarma
const zdSecret = 'conf-zadarma-secret';
const zdRequest = (fields: Record<string, string>, secret = zdSecret) => ({
  headers: { ...form, Signature: zadarmaSignatures(secret, zadarmaSignedString(fields.event ?? '', fields) ?? '').ofHex },
  body: new URLSearchParams(fields).toString(),
});
const zdEnd = { event: 'NOTIFY_END', call_start: '2024-05-14 12:31:00', pbx_call_id: 'in_c1', caller_id: '79161234567', called_did: '74951234567', disposition: 'no answer', duration: '0' };
const { pbx_call_id: _omit, ...zdEndWithoutId } = zdEnd;


// Sipuni
const sipuniToken = 'conf-sipuni-token-0123';
const sipuniEnd = new URLSearchParams({ event: '2', call_id: '1715679060.1', src_num: '79161234567', src_type: '1', dst_num: '74951234567', dst_type: '1', status: 'NOANSWER', timestamp: '1715679100' }).toString();


// Generic call webhook, both credentials
const token = 'conf-generic-token-0123';
const hmacSecret = 'conf-generic-hmac-0123';
const call = JSON.stringify({ callId: 'g1', direction: 'inbound', caller: '+79161234567', outcome: 'missed' });
const json = { 'Content-Type': 'application/json' };
const sign = (body: string, key: string): string => `sha256=${createHmac('sha256', key).update(body).digest('hex')}`;

export const telephonyConformance: ConformanceSuite = {
  cases: [
    conformanceCase<MangoConfig>({
    name: 'mango',
    plugin: mangoConnector,
    config: { id: 'mango', kind: 'mango', ...mango, sweeper },
    validRequest: { path: '/events/summary', headers: form, body: mangoForm(summary) },
    badPayloadRequest: { path: '/events/summary', headers: form, body: mangoForm('{"entry_id": ') },
    badSignatureRequest: { path: '/events/summary', headers: form, body: mangoForm(summary, 'wrong-salt') },
    }),
    conformanceCase<ZadarmaConfig>({
    name: 'zadarma',
    plugin: zadarmaConnector,
    config: { id: 'zadarma', kind: 'zadarma', apiSecret: zdSecret, timeZone: 'UTC', sweeper },
    validRequest: zdRequest(zdEnd),
    badPayloadRequest: zdRequest(zdEndWithoutId),
    badSignatureRequest: zdRequest(zdEnd, 'another-secret'),
    }),
    conformanceCase<SipuniConfig>({
    name: 'sipuni',
    plugin: sipuniConnector,
    config: { id: 'sipuni', kind: 'sipuni', secret: sipuniToken, sweeper },
    validRequest: { query: { token: sipuniToken }, headers: form, body: sipuniEnd },
    badPayloadRequest: { query: { token: sipuniToken }, headers: form, body: 'event=2&status=NOANSWER' },
    badSignatureRequest: { query: { token: 'wrong-sipuni-token-0123' }, headers: form, body: sipuniEnd },
    }),
    conformanceCase<CallWebhookConfig>({
    name: 'call-webhook (token)',
    plugin: callWebhookConnector,
    config: { id: 'pbx', kind: 'call-webhook', secret: token, timeZone: 'UTC', sweeper },
    validRequest: { query: { token }, headers: json, body: call },
    badPayloadRequest: { query: { token }, headers: json, body: '{"callId":"g1","direction":"sideways"}' },
    badSignatureRequest: { query: { token: 'wrong-generic-token-0' }, headers: json, body: call },
    }),
    conformanceCase<CallWebhookConfig>({
    name: 'call-webhook (HMAC)',
    plugin: callWebhookConnector,
    config: { id: 'pbx-signed', kind: 'call-webhook', hmacSecret, timeZone: 'UTC', sweeper },
    validRequest: { headers: { ...json, 'X-Leadgate-Signature': sign(call, hmacSecret) }, body: call },
    badPayloadRequest: { headers: { ...json, 'X-Leadgate-Signature': sign('{"callId":', hmacSecret) }, body: '{"callId":' },
    badSignatureRequest: { headers: { ...json, 'X-Leadgate-Signature': sign(call, 'another-key-0123456') }, body: call },
    }),
  ],
};
