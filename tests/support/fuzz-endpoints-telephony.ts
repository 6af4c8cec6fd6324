import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import type { RawEventV1 } from '../../contracts/raw-event.js';
import type { RawRequest, RawResponse } from './fuzz-client.js';
import type { MutatedRequest } from './fuzz-mutations.js';
import {
  FUZZ_SECRETS,
  form,
  headerValues,
  hmacHeaderOk,
  hmacSign,
  hookPath,
  idArb,
  ignoredJson,
  json,
  perturb,
  phoneArb,
  plugin,
  seeded,
  sha256Hex,
  tokenOk,
  tokenSign,
  withPath,
  type FuzzEndpoint,
  type Seed,
} from './fuzz-endpoints.js';

const digits = (phone: string): string => phone.replace(/\D/g, '');

/** Fields of a multipart body whose parts have a plain `name="…"` (what a signed field needs to be read). */
function multipartValues(body: string, boundary: string, name: string): string[] {
  return body
    .split(`--${boundary}`)
    .map((part) => /^\r\nContent-Disposition: form-data; name="([^"]*)"\r\n(?:[^\r\n]+\r\n)*\r\n([\s\S]*)\r\n$/.exec(part))
    .filter((m): m is RegExpExecArray => m !== null && m[1] === name)
    .map((m) => Buffer.from(m[2] ?? '', 'latin1').toString('utf8'));
}

/**
 * Form fields of the body as the server read it (any spelling of a repeated key counts). Grammar mutations
 * re-encode a form as multipart, with its signed fields intact next to a broken extra part.
 */
function formValues(req: MutatedRequest, name: string): string[] {
  const body = (req.effectiveBody ?? req.body).toString('latin1');
  const boundary = /boundary=([^;\s]+)/i.exec(headerValues(req, 'content-type').join(';'))?.[1];
  if (boundary && headerValues(req, 'content-type').some((v) => /multipart\/form-data/i.test(v))) return multipartValues(body, boundary, name);
  return body
    .split('&')
    .map((pair) => pair.split('='))
    .filter(([k]) => k === name)
    .map(([, v = '']) => {
      try {
        return decodeURIComponent(v.replace(/\+/g, ' '));
      } catch {
        return v;
      }
    });
}

function payloadBody(event: RawEventV1): Record<string, unknown> {
  const body = (event.payload as { body?: unknown }).body;
  return body !== null && typeof body === 'object' ? (body as Record<string, unknown>) : {};
}

/** Zadarma's documented formulas for the call events (the only ones that publish). */
const zadarmaSigned: Record<string, string[]> = {
  NOTIFY_START: ['caller_id', 'called_did', 'call_start'],
  NOTIFY_END: ['caller_id', 'called_did', 'call_start'],
  NOTIFY_ANSWER: ['caller_id', 'destination', 'call_start'],
  NOTIFY_OUT_START: ['internal', 'destination', 'call_start'],
  NOTIFY_OUT_END: ['internal', 'destination', 'call_start'],
  NOTIFY_INTERNAL: ['caller_id', 'called_did', 'call_start'],
  NOTIFY_IVR: ['caller_id', 'called_did', 'call_start'],
  NOTIFY_RECORD: ['pbx_call_id', 'call_id_with_rec'],
};

/** Own keys only: a perturbed event named `constructor` must not read Object.prototype. */
const signedFieldsOf = (event: string | undefined): string[] | undefined => (event !== undefined && Object.hasOwn(zadarmaSigned, event) ? zadarmaSigned[event] : undefined);

function zadarmaSignatures(data: string): string[] {
  const hex = createHmac('sha1', FUZZ_SECRETS.zadarma).update(data).digest('hex');
  return [Buffer.from(hex, 'utf8').toString('base64'), createHmac('sha1', FUZZ_SECRETS.zadarma).update(data).digest('base64')];
}

export function telephonyEndpoints(): FuzzEndpoint[] {
  const mangoJson = fc.record({ entry: idArb, call: idArb, seq: fc.nat(50), phone: phoneArb, summary: fc.boolean() }).map(({ entry, call, seq, phone, summary }) => ({
    summary,
    data: summary
      ? { entry_id: entry, call_direction: 1, from: { number: digits(phone) }, to: { number: '74950000000' }, create_time: 1715678000, end_time: 1715678060, entry_result: 0 }
      : { entry_id: entry, call_id: call, seq, call_state: 'Appeared', timestamp: 1715678000, from: { number: digits(phone) }, to: { number: '74950000000' } },
  }));
  const mangoSeed = (mode: string): fc.Arbitrary<Seed> =>
    mangoJson.chain(({ summary, data }) =>
      fc.oneof(fc.constant({ intact: true, data: data as Record<string, unknown> }), perturb(data).map((p) => ({ intact: false, data: p }))).map<Seed>(({ intact, data: d }) => {
        const text = JSON.stringify(d);
        const fields: Record<string, string> = { vpbx_api_key: mode === 'wrong-key' ? 'wrong-mango-key' : FUZZ_SECRETS.mangoKey };
        if (mode !== 'missing') fields.sign = mode === 'corrupt' ? sha256Hex(`${FUZZ_SECRETS.mangoKey}${text}x`) : sha256Hex(`${FUZZ_SECRETS.mangoKey}${text}${FUZZ_SECRETS.mangoSalt}`);
        // json last: a truncation always shortens the signed text.
        fields.json = text;
        return { intact, request: withPath(form(fields), hookPath('fz-mango', summary ? '/events/summary' : '/events/call')) };
      }),
    );

  const zadarmaFields = fc.record({ call: idArb, phone: phoneArb, event: fc.constantFrom('NOTIFY_START', 'NOTIFY_END', 'NOTIFY_ANSWER', 'NOTIFY_OUT_END', 'NOTIFY_IVR', 'NOTIFY_RECORD') }).map(({ call, phone, event }) => {
    const f: Record<string, string> = { event, call_start: '2024-05-14 09:31:00', pbx_call_id: `in_${call}`, caller_id: digits(phone), called_did: '74950000000' };
    if (event === 'NOTIFY_ANSWER' || event.startsWith('NOTIFY_OUT')) Object.assign(f, { destination: digits(phone), internal: '100' });
    if (event.endsWith('END')) Object.assign(f, { duration: '60', disposition: 'answered', status_code: '16', is_recorded: '0' });
    return f;
  });
  const zadarmaSeed = (): fc.Arbitrary<Seed> =>
    zadarmaFields.chain((f) =>
      fc.oneof(fc.constant({ intact: true, f }), perturb(f).map((p) => ({ intact: false, f: Object.fromEntries(Object.entries(p).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)])) }))).map<Seed>(({ intact, f: fields }) => {
        const names = signedFieldsOf(fields.event) ?? ['caller_id', 'called_did', 'call_start'];
        return { intact, request: withPath(form(fields), hookPath('fz-zadarma')), signData: names.map((n) => fields[n] ?? '').join('') };
      }),
    );

  const sipuniFields = fc.record({ call: idArb, phone: phoneArb, event: fc.constantFrom('1', '2', '3') }).map(({ call, phone, event }) => ({
    event,
    call_id: call,
    src_num: digits(phone),
    src_type: '1',
    dst_num: '74950000000',
    dst_type: '2',
    timestamp: '1715678000',
    ...(event === '2' ? { status: 'ANSWER', call_start_timestamp: '1715678000', call_answer_timestamp: '1715678005' } : {}),
  }));
  const sipuniSeed = (): fc.Arbitrary<Seed> =>
    fc.oneof(
      seeded(sipuniFields, (v) => withPath(form(Object.fromEntries(Object.entries(v).map(([k, x]) => [k, typeof x === 'string' ? x : JSON.stringify(x)]))), hookPath('fz-sipuni'))),
      sipuniFields.map<Seed>((v) => ({ intact: true, request: { method: 'GET', path: `${hookPath('fz-sipuni')}?${new URLSearchParams(v).toString()}`, headers: [], body: Buffer.alloc(0) } })),
    );

  const call = fc.record({ call: idArb, phone: phoneArb, event: fc.constantFrom('start', 'answer', 'end'), duration: fc.nat(3600) }).map(({ call: id, phone, event, duration }) => ({
    callId: id,
    event,
    direction: 'inbound',
    caller: phone,
    line: '+74950000000',
    startedAt: '2024-05-14T09:31:00Z',
    durationSec: duration,
  }));
  const callSign = hmacSign('X-Leadgate-Signature', FUZZ_SECRETS.callHmac);
  const callToken = tokenSign('X-Leadgate-Token', FUZZ_SECRETS.callToken);

  const jsonSuccess = (res: RawResponse): boolean => res.body.toString('utf8') === '{"success":true}';
  return [
    {
      name: 'mango',
      plugin: plugin('mango'),
      config: { id: 'fz-mango', kind: 'mango', apiKey: FUZZ_SECRETS.mangoKey, apiSalt: FUZZ_SECRETS.mangoSalt },
      authModes: ['valid', 'corrupt', 'wrong-key', 'missing'],
      seed: mangoSeed,
      sign: (req) => req,
      authentic: (req, published) =>
        formValues(req, 'vpbx_api_key').includes(FUZZ_SECRETS.mangoKey) &&
        published.every((e) => formValues(req, 'sign').some((s) => s.trim().toLowerCase() === sha256Hex(`${FUZZ_SECRETS.mangoKey}${String(payloadBody(e).json)}${FUZZ_SECRETS.mangoSalt}`))),
      // Pings, recordings and DTMF are answered {success:true} unverified and publish nothing (documented).
      isNoop: (req, res) => (req.method !== 'POST' || !/\/events\/(call|summary)\/?(\?|$)/.test(req.path)) && (req.method === 'HEAD' || jsonSuccess(res)),
    },
    {
      name: 'zadarma',
      plugin: plugin('zadarma'),
      config: { id: 'fz-zadarma', kind: 'zadarma', apiSecret: FUZZ_SECRETS.zadarma, timeZone: 'Europe/Moscow' },
      authModes: ['valid-hex', 'valid-bytes', 'corrupt', 'missing'],
      seed: zadarmaSeed,
      sign: (req, mode, seed) => {
        const [ofHex = '', ofBytes = ''] = zadarmaSignatures(seed.signData ?? '');
        const value = { 'valid-hex': ofHex, 'valid-bytes': ofBytes, corrupt: `${ofBytes.slice(0, -2)}A=` }[mode];
        return value === undefined ? req : { ...req, headers: [...req.headers, ['Signature', value]] };
      },
      authentic: (req, published) =>
        published.every((e) => {
          const body = payloadBody(e);
          const names = signedFieldsOf(String(body.event));
          if (!names) return false;
          const expected = zadarmaSignatures(names.map((n) => (typeof body[n] === 'string' ? String(body[n]) : '')).join(''));
          return headerValues(req, 'signature').some((v) => expected.includes(v.trim()));
        }),
      isNoop: (_req, res) => res.body.toString('utf8').startsWith('ignored:'),
    },
    {
      name: 'sipuni',
      plugin: plugin('sipuni'),
      config: { id: 'fz-sipuni', kind: 'sipuni', secret: FUZZ_SECRETS.sipuni },
      authModes: ['valid-header', 'valid-query', 'wrong', 'missing', 'wrong-header-valid-query'],
      seed: sipuniSeed,
      sign: tokenSign('X-Leadgate-Token', FUZZ_SECRETS.sipuni),
      authentic: (req) => tokenOk(req, 'x-leadgate-token', FUZZ_SECRETS.sipuni),
      isNoop: () => false,
    },
    {
      name: 'call-webhook',
      plugin: plugin('call-webhook'),
      config: { id: 'fz-calls', kind: 'call-webhook', hmacSecret: FUZZ_SECRETS.callHmac, secret: FUZZ_SECRETS.callToken },
      authModes: ['valid', 'valid-header', 'corrupt', 'missing', 'wrong'],
      seed: () => seeded(call, (v) => withPath(json(v), hookPath('fz-calls'))),
      sign: (req, mode) => (mode === 'valid-header' || mode === 'wrong' ? callToken(req, mode) : callSign(req, mode)),
      authentic: (req) => hmacHeaderOk(req, 'x-leadgate-signature', FUZZ_SECRETS.callHmac) || tokenOk(req, 'x-leadgate-token', FUZZ_SECRETS.callToken),
      isNoop: (_req, res) => ignoredJson(res),
    },
  ];
}

export type { RawRequest };
