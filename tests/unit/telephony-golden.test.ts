import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { leadDraftSchema, type MapResult } from '../../contracts/lead-draft.js';
import { Topics } from '../../contracts/topics.js';
import type { RawEventV1 } from '../../contracts/raw-event.js';
import type { ConnectorConfig, ConnectorPlugin } from '../../connectors/connector.port.js';
import { callWebhookConnector } from '../../connectors/telephony/call-webhook.connector.js';
import { extractGenericCall } from '../../connectors/telephony/call-webhook.mapping.js';
import type { TelephonyPayload } from '../../connectors/telephony/call.model.js';
import { mangoConnector } from '../../connectors/telephony/mango.connector.js';
import { extractMangoCall } from '../../connectors/telephony/mango.mapping.js';
import { mangoSign } from '../../connectors/telephony/mango.signature.js';
import { sipuniConnector } from '../../connectors/telephony/sipuni.connector.js';
import { extractSipuniCall } from '../../connectors/telephony/sipuni.mapping.js';
import { modelOf, type CallExtractor } from '../../connectors/telephony/telephony.mapping.js';
import { zadarmaConnector } from '../../connectors/telephony/zadarma.connector.js';
import { extractZadarmaCall } from '../../connectors/telephony/zadarma.mapping.js';
import { zadarmaSignatures, zadarmaSignedString } from '../../connectors/telephony/zadarma.signature.js';
import { parseBody } from '../../platform/http/body-reader.js';
import { compile } from '../../platform/validation.js';
import { buildTestGateway, sendHook, type HookRequest } from '../support/connector-conformance.js';

/**
 * Golden runner for every telephony kind: `<case>.body` holds what the provider sends (for Mango, the
 * `json` field), `<case>.case.json` the route, content type, extra config and the expected call model and
 * draft. Each body goes through the real ingress (signed with the test credentials, so the wire format and
 * the signature path are exercised), and the published raw event through the kind's mapper.
 * `GOLDEN_UPDATE=1` rewrites the expectations (review the diff before keeping it).
 */
type Kind = 'mango' | 'zadarma' | 'sipuni' | 'call-webhook';

interface GoldenCase {
  description: string;
  kind: Kind;
  path?: string;
  method?: 'GET' | 'POST';
  contentType: string;
  receivedAt: string;
  config?: Record<string, unknown>;
  expectedModel?: unknown;
  expected?: MapResult;
}

const secrets = { mangoKey: 'golden-mango-api-key', mangoSalt: 'golden-mango-salt', zadarma: 'golden-zadarma-secret', token: 'golden-token-0123456789' };

const plugins: Record<Kind, { plugin: ConnectorPlugin; config: Record<string, unknown>; extract: CallExtractor }> = {
  mango: { plugin: mangoConnector as unknown as ConnectorPlugin, config: { apiKey: secrets.mangoKey, apiSalt: secrets.mangoSalt }, extract: extractMangoCall },
  zadarma: { plugin: zadarmaConnector as unknown as ConnectorPlugin, config: { apiSecret: secrets.zadarma, timeZone: 'Europe/Moscow' }, extract: extractZadarmaCall },
  sipuni: { plugin: sipuniConnector as unknown as ConnectorPlugin, config: { secret: secrets.token }, extract: extractSipuniCall },
  'call-webhook': { plugin: callWebhookConnector as unknown as ConnectorPlugin, config: { secret: secrets.token }, extract: extractGenericCall },
};

/** superagent re-encodes a Buffer under a form content type, so text bodies go as strings (byte-identical for UTF-8). */
const wire = (spec: GoldenCase, body: Buffer): string | Buffer => (spec.contentType.startsWith('multipart/') ? body : body.toString('utf8'));

async function signedRequest(spec: GoldenCase, body: Buffer): Promise<HookRequest> {
  const base: HookRequest = { method: spec.method ?? 'POST', ...(spec.path ? { path: spec.path } : {}) };
  if (spec.kind === 'mango') {
    const json = body.toString('utf8');
    const form = new URLSearchParams({ vpbx_api_key: secrets.mangoKey, sign: mangoSign(secrets.mangoKey, json, secrets.mangoSalt), json });
    return { ...base, headers: { 'Content-Type': spec.contentType }, body: form.toString() };
  }
  if (spec.kind === 'zadarma') {
    const fields = (await parseBody(body, spec.contentType)).fields as Record<string, string>;
    const signed = zadarmaSignedString(fields.event ?? '', fields) ?? '';
    return { ...base, headers: { 'Content-Type': spec.contentType, Signature: zadarmaSignatures(secrets.zadarma, signed).ofHex }, body: wire(spec, body) };
  }
  return { ...base, query: { token: secrets.token }, headers: { 'Content-Type': spec.contentType }, body: wire(spec, body) };
}

const dir = join(dirname(fileURLToPath(import.meta.url)), '../fixtures/telephony');
const cases = readdirSync(dir)
  .filter((f) => f.endsWith('.case.json'))
  .map((f) => f.slice(0, -'.case.json'.length))
  .sort();
const validDraft = compile(leadDraftSchema);
const update = process.env.GOLDEN_UPDATE === '1';

describe('telephony golden cases', () => {
  it('has fixtures for every provider', () => {
    const kinds = new Set(cases.map((c) => (JSON.parse(readFileSync(join(dir, `${c}.case.json`), 'utf8')) as GoldenCase).kind));
    expect([...kinds].sort()).toEqual(['call-webhook', 'mango', 'sipuni', 'zadarma']);
  });

  it.each(cases)('%s', async (name) => {
    const file = join(dir, `${name}.case.json`);
    const spec = JSON.parse(readFileSync(file, 'utf8')) as GoldenCase;
    const { plugin, config, extract } = plugins[spec.kind];
    const connectorConfig = { id: 'golden', kind: spec.kind, ...config, ...(spec.config ?? {}) } as ConnectorConfig;
    const gw = buildTestGateway([{ plugin, config: connectorConfig }]);
    const res = await sendHook(gw.app, 'golden', await signedRequest(spec, readFileSync(join(dir, `${name}.body`))));
    expect(res.status).toBeLessThan(300);
    const published = gw.bus.on(Topics.raw);
    expect(published).toHaveLength(1);
    const raw = published[0]?.value as RawEventV1;
    expect(raw.channel).toBe('call');
    const input = { channel: raw.channel, connectorId: 'golden', payload: raw.payload, meta: raw.meta, receivedAt: spec.receivedAt };
    const model = modelOf(extract, raw.payload as unknown as TelephonyPayload, spec.receivedAt);
    const result = plugin.mapper(input);
    if (update) {
      writeFileSync(file, `${JSON.stringify({ ...spec, expectedModel: model, expected: result }, null, 2)}\n`);
      return;
    }
    expect(model).toEqual(spec.expectedModel);
    expect(result).toEqual(spec.expected);
    if (result.kind === 'lead') expect(validDraft(result)).toBe(true);
  });
});
