/**
 * The one golden-case format for every connector kind, and how each kind's input reaches its real ingress.
 *
 * A case is `tests/fixtures/<dir>/<name>.case.json` plus the bytes the provider sends, `<name>.body` (for
 * e-mail, the message as the server stores it, `<name>.eml`). The case names the kind, the request
 * (content type, path, method, extra headers) and the expected result of every raw event the ingress
 * publishes: the full delivered Lead v1 record (ids fixed, `normalizedAt` left out) or `{ "ignore": reason }`.
 * A case may instead expect the ingress to refuse the request: `expectedStatus` and `expectedError`.
 */
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { leadDraftSchema } from '../../contracts/lead-draft.js';
import { leadV1Schema, type LeadV1 } from '../../contracts/lead.js';
import { cleanContact } from '../../normalizer/draft.cleaner.js';
import { buildLead } from '../../normalizer/lead.builder.js';
import { compile } from '../../platform/validation.js';
import type { RawEventV1 } from '../../contracts/raw-event.js';
import type { ConnectorConfig, ConnectorPlugin } from '../../connectors/connector.port.js';
import type { FormRule } from '../../connectors/email/email.config.js';
import { emailConnector } from '../../connectors/email/email.connector.js';
import { compileFormRules } from '../../connectors/email/email.form-rules.js';
import { buildEmailEvent } from '../../connectors/email/email.parser.js';
import { formsConnector } from '../../connectors/forms/forms.connector.js';
import { TOKEN_HEADER } from '../../connectors/forms/forms.ingress.js';
import { telegramConnector } from '../../connectors/telegram/telegram.connector.js';
import { callWebhookConnector } from '../../connectors/telephony/call-webhook.connector.js';
import { mangoConnector } from '../../connectors/telephony/mango.connector.js';
import { mangoSign } from '../../connectors/telephony/mango.signature.js';
import { sipuniConnector } from '../../connectors/telephony/sipuni.connector.js';
import { zadarmaConnector } from '../../connectors/telephony/zadarma.connector.js';
import { zadarmaSignatures, zadarmaSignedString } from '../../connectors/telephony/zadarma.signature.js';
import { whatsappConnector } from '../../connectors/whatsapp/whatsapp.connector.js';
import { parseBody } from '../../platform/http/body-reader.js';
import { Topics } from '../../contracts/topics.js';
import { buildTestGateway, sendHook, type HookRequest } from './connector-conformance.js';

export const goldenRoot = join(dirname(fileURLToPath(import.meta.url)), '../fixtures');
export const goldenDirs = ['forms', 'telephony', 'telegram', 'whatsapp', 'email'] as const;

export type GoldenKind = 'forms' | 'mango' | 'zadarma' | 'sipuni' | 'call-webhook' | 'telegram' | 'whatsapp' | 'email';

/** The fixture directory of each kind (telephony kinds share one). */
export const fixtureDirOf: Record<GoldenKind, string> = {
  forms: 'forms',
  mango: 'telephony',
  zadarma: 'telephony',
  sipuni: 'telephony',
  'call-webhook': 'telephony',
  telegram: 'telegram',
  whatsapp: 'whatsapp',
  email: 'email',
};

export interface GoldenRequest {
  contentType?: string;
  path?: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  /** Send without credentials (a kind without authentication, or a refusal case). */
  unsigned?: boolean;
}

/** What one published raw event must become: the delivered record, or the mapper's reason to ignore it. */
export type GoldenResult = Omit<LeadV1, 'normalizedAt'> | { ignore: string };

export interface GoldenCase {
  description: string;
  kind: GoldenKind;
  /** Stamped on the raw event, so times derived from receipt are stable. */
  receivedAt: string;
  request?: GoldenRequest;
  /** Connector config on top of the kind's test credentials. */
  config?: Record<string, unknown>;
  /** A refusal: the HTTP status and `error.details.reason` (or `error.code`) the ingress must answer. */
  expectedStatus?: number;
  expectedError?: Record<string, unknown>;
  /** When nothing is published: the body the ingress answered with (why it acknowledged and dropped it). */
  expectedAnswer?: unknown;
  expected?: GoldenResult[];
}

const secrets = {
  mangoKey: 'golden-mango-api-key',
  mangoSalt: 'golden-mango-salt',
  zadarma: 'golden-zadarma-secret',
  token: 'golden-token-0123456789',
  telegram: 'golden-telegram-secret-0123456789',
  whatsapp: 'golden-whatsapp-app-secret-0123',
};

export const WHATSAPP_PHONE_NUMBER_ID = '106540352242922';

interface KindSpec {
  plugin: ConnectorPlugin;
  config: Record<string, unknown>;
}

const asPlugin = (p: unknown): ConnectorPlugin => p as ConnectorPlugin;

const kinds: Record<Exclude<GoldenKind, 'email'>, KindSpec> = {
  forms: { plugin: asPlugin(formsConnector), config: { secret: secrets.token, honeypotField: 'lg_hp' } },
  mango: { plugin: asPlugin(mangoConnector), config: { apiKey: secrets.mangoKey, apiSalt: secrets.mangoSalt } },
  zadarma: { plugin: asPlugin(zadarmaConnector), config: { apiSecret: secrets.zadarma, timeZone: 'Europe/Moscow' } },
  sipuni: { plugin: asPlugin(sipuniConnector), config: { secret: secrets.token } },
  'call-webhook': { plugin: asPlugin(callWebhookConnector), config: { secret: secrets.token } },
  telegram: {
    plugin: asPlugin(telegramConnector),
    config: { botToken: '123456789:AAHgolden_token-xyz', publicUrl: 'https://leads.example.com', secretToken: secrets.telegram, apiRoot: 'http://127.0.0.1:1', pollTimeoutSec: 1 },
  },
  whatsapp: { plugin: asPlugin(whatsappConnector), config: { verifyToken: 'golden-verify-token-0123', appSecret: secrets.whatsapp, phoneNumberId: WHATSAPP_PHONE_NUMBER_ID } },
};

export function pluginOf(kind: GoldenKind): ConnectorPlugin {
  return kind === 'email' ? asPlugin(emailConnector) : kinds[kind].plugin;
}

/** superagent re-encodes a Buffer under a form content type, so text bodies go as strings (byte-identical for UTF-8 and ASCII). */
const wire = (contentType: string, body: Buffer): string | Buffer => (contentType.startsWith('multipart/') ? body : body.toString('utf8'));

async function signedRequest(spec: GoldenCase, body: Buffer): Promise<HookRequest> {
  const req = spec.request ?? {};
  const contentType = req.contentType ?? 'application/json';
  const base: HookRequest = { method: req.method ?? 'POST', ...(req.path ? { path: req.path } : {}) };
  const headers = { 'Content-Type': contentType, ...(req.headers ?? {}) };
  if (req.unsigned) return { ...base, headers, body: wire(contentType, body) };
  switch (spec.kind) {
    case 'mango': {
      const json = body.toString('utf8');
      const form = new URLSearchParams({ vpbx_api_key: secrets.mangoKey, sign: mangoSign(secrets.mangoKey, json, secrets.mangoSalt), json });
      return { ...base, headers, body: form.toString() };
    }
    case 'zadarma': {
      const fields = (await parseBody(body, contentType)).fields as Record<string, string>;
      const signed = zadarmaSignedString(fields.event ?? '', fields) ?? '';
      return { ...base, headers: { ...headers, Signature: zadarmaSignatures(secrets.zadarma, signed).ofHex }, body: wire(contentType, body) };
    }
    case 'telegram':
      return { ...base, headers: { ...headers, 'X-Telegram-Bot-Api-Secret-Token': secrets.telegram }, body: wire(contentType, body) };
    case 'whatsapp':
      return { ...base, headers: { ...headers, 'X-Hub-Signature-256': `sha256=${createHmac('sha256', secrets.whatsapp).update(body).digest('hex')}` }, body: wire(contentType, body) };
    case 'forms':
      return { ...base, headers: { ...headers, [TOKEN_HEADER]: secrets.token }, body: wire(contentType, body) };
    default:
      return { ...base, query: { token: secrets.token }, headers, body: wire(contentType, body) };
  }
}

/** The outcome of sending one case through its ingress: the HTTP answer and the raw events published. */
export interface IngressOutcome {
  status: number;
  body: unknown;
  raws: RawEventV1[];
}

/** Sends the case's input through the kind's real ingress (signed with the test credentials). */
export async function sendThroughIngress(dir: string, name: string, spec: GoldenCase): Promise<IngressOutcome> {
  if (spec.kind === 'email') {
    // The IMAP ingress's own per-message path (parse, form rules, internal flag); the mailbox transport is
    // covered against real Dovecot in the e-mail integration tests.
    const mailbox = JSON.parse(readFileSync(join(dir, 'mailbox.config.json'), 'utf8')) as { internalDomains: string[]; formRules: FormRule[]; maxBodyChars: number };
    const event = await buildEmailEvent(readFileSync(join(dir, `${name}.eml`)), mailbox, compileFormRules(mailbox.formRules));
    const raw: RawEventV1 = {
      v: 1,
      id: 'golden-raw',
      connector: { id: 'golden', kind: 'email' },
      channel: 'email',
      receivedAt: spec.receivedAt,
      providerEventId: event.providerEventId,
      payload: JSON.parse(JSON.stringify(event.payload)) as Record<string, unknown>,
      meta: event.flags.length > 0 ? { flags: event.flags } : {},
    };
    return { status: 200, body: {}, raws: [raw] };
  }
  const { plugin, config } = kinds[spec.kind];
  const connectorConfig = { id: 'golden', kind: spec.kind, ...config, ...(spec.config ?? {}) } as ConnectorConfig;
  const gw = buildTestGateway([{ plugin, config: connectorConfig }]);
  const res = await sendHook(gw.app, 'golden', await signedRequest(spec, readFileSync(join(dir, `${name}.body`))));
  const raws = gw.bus.on(Topics.raw).map((r) => ({ ...(r.value as RawEventV1), id: 'golden-raw', receivedAt: spec.receivedAt }));
  return { status: res.status, body: res.body as unknown, raws };
}

const validDraft = compile(leadDraftSchema);
const validLead = compile(leadV1Schema);

/**
 * What the normalizer delivers for one raw event: the kind's mapper, the normalizer's cleaner (default
 * region RU) and record builder, with the store's ids fixed and the wall-clock `normalizedAt` left out.
 * Throws when the draft or the record breaks its schema, so a golden case can never pin an invalid record.
 */
export function deliveredRecord(raw: RawEventV1, kind: GoldenKind): GoldenResult {
  const result = pluginOf(kind).mapper({ channel: raw.channel, connectorId: raw.connector.id, payload: raw.payload, meta: raw.meta, receivedAt: raw.receivedAt });
  if (result.kind === 'ignore') return { ignore: result.reason };
  if (!validDraft(result)) throw new Error(`invalid draft: ${JSON.stringify(validDraft.errors)}`);
  const contact = cleanContact(result, 'RU');
  const lead = buildLead(raw, result, contact, { type: 'lead.created', leadId: 'golden-lead', activityId: 'golden-activity', contactId: 'golden-contact', isNew: true });
  if (!validLead(lead)) throw new Error(`invalid Lead v1: ${JSON.stringify(validLead.errors)}`);
  const { normalizedAt: _stamp, ...rest } = lead;
  return JSON.parse(JSON.stringify(rest)) as GoldenResult;
}

/** A case file, parsed. */
export function readGoldenCase(dir: string, name: string): GoldenCase {
  return JSON.parse(readFileSync(join(goldenRoot, dir, `${name}.case.json`), 'utf8')) as GoldenCase;
}
