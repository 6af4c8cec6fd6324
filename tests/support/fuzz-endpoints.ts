import { createHash, createHmac } from 'node:crypto';
import fc from 'fast-check';
import type { RawEventV1 } from '../../contracts/raw-event.js';
import type { ConnectorConfig, ConnectorPlugin } from '../../connectors/connector.port.js';
import { connectorPlugins } from '../../connectors/registry.js';
import type { RawRequest, RawResponse } from './fuzz-client.js';
import type { MutatedRequest } from './fuzz-mutations.js';
import { setHeader } from './fuzz-mutations.js';

/** A request as the generator built it, before hostile mutation and before header credentials. */
export interface Seed {
  /** Unperturbed: the generator built a request the endpoint must accept when also correctly signed. */
  intact: boolean;
  request: RawRequest;
  /** For schemes that sign fields rather than bytes (Zadarma): the string that is signed. */
  signData?: string;
}

/**
 * One webhook endpoint under fuzz. The oracle `authentic` is written here, independently of the
 * connector's code: it says whether the sender demonstrably held the secret for what was published.
 */
export interface FuzzEndpoint {
  name: string;
  plugin: ConnectorPlugin;
  config: ConnectorConfig;
  /** Credential modes; those starting with `valid` are correct credentials. */
  authModes: readonly string[];
  seed(authMode: string): fc.Arbitrary<Seed>;
  /** Adds header or query credentials computed over the final bytes (identity for in-body schemes). */
  sign(req: MutatedRequest, authMode: string, seed: Seed): RawRequest;
  authentic(req: MutatedRequest, published: RawEventV1[]): boolean;
  /** A documented 2xx that publishes nothing (status updates, pings, handshakes). */
  isNoop(req: RawRequest, res: RawResponse): boolean;
}

export const FUZZ_SECRETS = {
  formToken: 'fuzz-form-token-0123456789',
  formHmac: 'fuzz-form-hmac-key-0123456789',
  telegram: 'FuzzTelegramSecretToken_0123456789abcdef',
  waVerify: 'fuzz-wa-verify-token-0123',
  waApp: 'fuzz-wa-app-secret-0123456789',
  mangoKey: 'fuzz-mango-api-key',
  mangoSalt: 'fuzz-mango-salt-0123',
  zadarma: 'fuzz-zadarma-secret-0123',
  sipuni: 'fuzz-sipuni-token-0123456789',
  callHmac: 'fuzz-call-hmac-key-0123456789',
  callToken: 'fuzz-call-token-0123456789ab',
} as const;

const hmacHex = (alg: string, key: string, data: Buffer | string): string => createHmac(alg, key).update(data).digest('hex');

function headerValues(req: RawRequest, name: string): string[] {
  return req.headers.filter(([n]) => n.toLowerCase() === name).map(([, v]) => v);
}

function queryValues(req: RawRequest, name: string): string[] {
  const q = req.path.indexOf('?');
  if (q === -1) return [];
  try {
    return new URLSearchParams(req.path.slice(q + 1)).getAll(name);
  } catch {
    return [];
  }
}

const bodyOf = (req: MutatedRequest): Buffer => req.effectiveBody ?? req.body;

/** The sender holds the key when the header (any copy, joined as Node joins them) is the MAC of what the server read. */
function hmacHeaderOk(req: MutatedRequest, header: string, key: string): boolean {
  const expected = `sha256=${hmacHex('sha256', key, bodyOf(req))}`;
  const values = headerValues(req, header);
  return values.some((v) => v.trim().toLowerCase() === expected) || values.join(', ').trim().toLowerCase() === expected;
}

function tokenOk(req: RawRequest, header: string, secret: string): boolean {
  return [...headerValues(req, header), ...queryValues(req, 'token')].some((v) => v.includes(secret));
}

/** Replaces a random leaf (or deletes it) so the shape is almost, but not quite, what the schema wants. */
export function perturb(value: Record<string, unknown>): fc.Arbitrary<Record<string, unknown>> {
  return fc.tuple(fc.nat(), fc.option(fc.jsonValue({ maxDepth: 3 }), { nil: undefined })).map(([pick, replacement]) => {
    const copy = structuredClone(value);
    const paths: (string | number)[][] = [];
    const walk = (v: unknown, path: (string | number)[]): void => {
      if (path.length > 0) paths.push(path);
      if (v !== null && typeof v === 'object') for (const [k, child] of Object.entries(v)) walk(child, [...path, Array.isArray(v) ? Number(k) : k]);
    };
    walk(copy, []);
    const path = paths[pick % paths.length] ?? ['x'];
    let parent: Record<string | number, unknown> = copy;
    for (const p of path.slice(0, -1)) parent = parent[p] as Record<string | number, unknown>;
    const last = path[path.length - 1] ?? 'x';
    if (replacement === undefined) delete parent[last];
    else parent[last] = replacement;
    return copy;
  });
}

const phoneArb = fc.tuple(fc.constantFrom('+7 999 ', '8 (916) ', '+7916', '+44 20 '), fc.stringMatching(/^[0-9]{7}$/)).map(([p, d]) => `${p}${d}`);
const textArb = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 60 });
const idArb = fc.stringMatching(/^[A-Za-z0-9]{4,20}$/);

function json(value: unknown, ct = 'application/json'): RawRequest {
  return { method: 'POST', path: '', headers: [['Content-Type', ct]], body: Buffer.from(JSON.stringify(value)) };
}

function form(fields: Record<string, string>, ct = 'application/x-www-form-urlencoded'): RawRequest {
  return { method: 'POST', path: '', headers: [['Content-Type', ct]], body: Buffer.from(new URLSearchParams(fields).toString()) };
}

function multipart(fields: Record<string, string>): RawRequest {
  const boundary = 'fuzzBoundary7MA4YWxk';
  const parts = Object.entries(fields).map(([k, v]) => `--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`);
  return { method: 'POST', path: '', headers: [['Content-Type', `multipart/form-data; boundary=${boundary}`]], body: Buffer.from(`${parts.join('')}--${boundary}--\r\n`) };
}

/** Picks the intact seed or a perturbed copy of its object, then serialises. */
function seeded<T extends Record<string, unknown>>(value: fc.Arbitrary<T>, serialise: (v: Record<string, unknown>) => RawRequest, perturbWeight = 1): fc.Arbitrary<Seed> {
  return value.chain((v) =>
    fc.oneof(
      { arbitrary: fc.constant<Seed>({ intact: true, request: serialise(v) }), weight: 2 },
      { arbitrary: perturb(v).map<Seed>((p) => ({ intact: false, request: serialise(p) })), weight: perturbWeight },
    ),
  );
}

const withPath = (req: RawRequest, path: string): RawRequest => ({ ...req, path });
const hookPath = (id: string, rest = ''): string => `/v1/hooks/${id}${rest}`;

function tokenSign(header: string, secret: string) {
  return (req: MutatedRequest, mode: string): RawRequest => {
    const sep = req.path.includes('?') ? '&' : '?';
    if (mode === 'valid-header') return { ...req, headers: [...req.headers, [header, secret]] };
    if (mode === 'valid-query') return { ...req, path: `${req.path}${sep}token=${encodeURIComponent(secret)}` };
    if (mode === 'wrong') return { ...req, headers: [...req.headers, [header, `${secret.slice(0, -1)}X`]] };
    if (mode === 'wrong-header-valid-query') return { ...req, headers: [...req.headers, [header, 'nope']], path: `${req.path}${sep}token=${encodeURIComponent(secret)}` };
    return req;
  };
}

function hmacSign(header: string, key: string) {
  return (req: MutatedRequest, mode: string): RawRequest => {
    const mac = hmacHex('sha256', key, bodyOf(req));
    if (mode === 'valid') return { ...req, headers: [...req.headers, [header, `sha256=${mac}`]] };
    if (mode === 'valid-upper') return { ...req, headers: [...req.headers, [header, `sha256=${mac.toUpperCase()}`]] };
    if (mode === 'corrupt') return { ...req, headers: [...req.headers, [header, `sha256=${mac.slice(0, -1)}${mac.endsWith('0') ? '1' : '0'}`]] };
    if (mode === 'wrong-prefix') return { ...req, headers: [...req.headers, [header, `sha1=${hmacHex('sha1', key, bodyOf(req))}`]] };
    return req;
  };
}

const ignoredJson = (res: RawResponse): boolean => {
  try {
    return (JSON.parse(res.body.toString('utf8')) as { status?: unknown }).status === 'ignored';
  } catch {
    return false;
  }
};

const plugin = (kind: string): ConnectorPlugin => {
  const p = connectorPlugins.get(kind);
  if (!p) throw new Error(`connector kind ${kind} is not registered`);
  return p;
};

const formFields = fc.record({ name: textArb, phone: phoneArb, email: fc.emailAddress(), message: textArb }, { requiredKeys: ['phone'] });

export function formsEndpoints(): FuzzEndpoint[] {
  const seed = (id: string): fc.Arbitrary<Seed> =>
    fc.oneof(
      seeded(formFields, (v) => withPath(json(v), hookPath(id))),
      formFields.map<Seed>((v) => ({ intact: true, request: withPath(form(v), hookPath(id)) })),
      formFields.map<Seed>((v) => ({ intact: true, request: withPath(multipart(v), hookPath(id)) })),
    );
  return [
    {
      name: 'forms (token)',
      plugin: plugin('forms'),
      config: { id: 'fz-form-token', kind: 'forms', secret: FUZZ_SECRETS.formToken },
      authModes: ['valid-header', 'valid-query', 'wrong', 'missing', 'wrong-header-valid-query'],
      seed: () => seed('fz-form-token'),
      sign: tokenSign('X-Leadgate-Token', FUZZ_SECRETS.formToken),
      authentic: (req) => tokenOk(req, 'x-leadgate-token', FUZZ_SECRETS.formToken),
      isNoop: (_req, res) => ignoredJson(res),
    },
    {
      name: 'forms (hmac)',
      plugin: plugin('forms'),
      config: { id: 'fz-form-hmac', kind: 'forms', hmacSecret: FUZZ_SECRETS.formHmac },
      authModes: ['valid', 'valid-upper', 'corrupt', 'missing', 'wrong-prefix'],
      seed: () => seed('fz-form-hmac'),
      sign: hmacSign('X-Leadgate-Signature', FUZZ_SECRETS.formHmac),
      authentic: (req) => hmacHeaderOk(req, 'x-leadgate-signature', FUZZ_SECRETS.formHmac),
      isNoop: (_req, res) => ignoredJson(res),
    },
  ];
}

export function messengerEndpoints(): FuzzEndpoint[] {
  const update = fc.record({
    update_id: fc.nat(),
    message: fc.record({
      message_id: fc.nat(),
      date: fc.integer({ min: 1_600_000_000, max: 1_900_000_000 }),
      chat: fc.record({ id: fc.nat(), type: fc.constant('private') }),
      from: fc.record({ id: fc.nat(), is_bot: fc.constant(false), first_name: textArb }),
      text: textArb,
    }),
  });
  const waBody = fc.record({ wa: fc.stringMatching(/^79[0-9]{9}$/), name: textArb, text: textArb, id: idArb }).map(({ wa, name, text, id }) => ({
    object: 'whatsapp_business_account',
    entry: [
      {
        id: '1029384756',
        changes: [
          {
            field: 'messages',
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: '15550001111', phone_number_id: '123456789' },
              contacts: [{ wa_id: wa, profile: { name } }],
              messages: [{ id: `wamid.${id}`, from: wa, timestamp: '1715678000', type: 'text', text: { body: text } }],
            },
          },
        ],
      },
    ],
  }));
  return [
    {
      name: 'telegram (webhook)',
      plugin: plugin('telegram'),
      config: { id: 'fz-tg', kind: 'telegram', botToken: '123456:FUZZfuzz', publicUrl: 'https://leads.example.com', secretToken: FUZZ_SECRETS.telegram, apiRoot: 'http://127.0.0.1:9' },
      authModes: ['valid', 'wrong', 'missing', 'empty'],
      seed: () => seeded(update, (v) => withPath(json(v), hookPath('fz-tg'))),
      sign: (req, mode) => {
        const value = { valid: FUZZ_SECRETS.telegram, wrong: `${FUZZ_SECRETS.telegram}x`, empty: '' }[mode];
        return value === undefined ? req : { ...req, headers: [...req.headers, ['X-Telegram-Bot-Api-Secret-Token', value]] };
      },
      authentic: (req) => headerValues(req, 'x-telegram-bot-api-secret-token').join(', ').trim() === FUZZ_SECRETS.telegram,
      isNoop: (_req, res) => ignoredJson(res),
    },
    {
      name: 'whatsapp (cloud api)',
      plugin: plugin('whatsapp'),
      config: { id: 'fz-wa', kind: 'whatsapp', verifyToken: FUZZ_SECRETS.waVerify, appSecret: FUZZ_SECRETS.waApp, phoneNumberId: '123456789' },
      authModes: ['valid', 'valid-upper', 'corrupt', 'missing', 'wrong-prefix'],
      seed: () => seeded(waBody, (v) => withPath(json(v), hookPath('fz-wa'))),
      sign: hmacSign('X-Hub-Signature-256', FUZZ_SECRETS.waApp),
      authentic: (req) => hmacHeaderOk(req, 'x-hub-signature-256', FUZZ_SECRETS.waApp),
      // The GET handshake echoes the challenge only for the right verify token, which the fuzz never sends.
      isNoop: (_req, res) => ignoredJson(res),
    },
  ];
}

export { form, hookPath, idArb, ignoredJson, json, phoneArb, plugin, seeded, textArb, tokenOk, tokenSign, hmacSign, hmacHeaderOk, headerValues, withPath };
export const sha256Hex = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');
export { setHeader };
