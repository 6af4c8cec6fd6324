import { createHmac } from 'node:crypto';
import type { RawRequest } from './fuzz-client.js';
import { FUZZ_SECRETS, form, hookPath, json, sha256Hex, withPath } from './fuzz-endpoints.js';

/**
 * One well-formed, correctly signed lead per fuzzed endpoint, sent after its mutants: its delivery to the
 * CRM proves the hostile traffic left the pipeline working. `digits` (10 digits, never produced by the
 * generators' phones) is the caller's national number, so the delivery can be found by it.
 */
export type ValidLead = (digits: string) => RawRequest;

const hmac = (alg: string, key: string, data: Buffer | string, enc: 'hex' | 'base64' = 'hex'): string => createHmac(alg, key).update(data).digest(enc);
const withHeader = (req: RawRequest, name: string, value: string): RawRequest => ({ ...req, headers: [...req.headers, [name, value]] });
const signed = (req: RawRequest, header: string, key: string): RawRequest => withHeader(req, header, `sha256=${hmac('sha256', key, req.body)}`);

export const validLeads: Record<string, ValidLead> = {
  'forms (token)': (d) =>
    withHeader(withPath(json({ name: 'Valid After Fuzz', phone: `+7${d}`, message: `valid ${d}` }), hookPath('fz-form-token')), 'X-Leadgate-Token', FUZZ_SECRETS.formToken),
  'forms (hmac)': (d) =>
    signed(withPath(json({ name: 'Valid After Fuzz', phone: `+7${d}`, message: `valid ${d}` }), hookPath('fz-form-hmac')), 'X-Leadgate-Signature', FUZZ_SECRETS.formHmac),
  'telegram (webhook)': (d) =>
    withHeader(
      withPath(
        json({
          update_id: Number(d.slice(-6)),
          message: { message_id: 1, date: Math.floor(Date.now() / 1000), chat: { id: Number(d), type: 'private' }, from: { id: Number(d), is_bot: false, first_name: 'Valid' }, text: `call me on +7${d}` },
        }),
        hookPath('fz-tg'),
      ),
      'X-Telegram-Bot-Api-Secret-Token',
      FUZZ_SECRETS.telegram,
    ),
  'whatsapp (cloud api)': (d) =>
    signed(
      withPath(
        json({
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
                    contacts: [{ wa_id: `7${d}`, profile: { name: 'Valid' } }],
                    messages: [{ id: `wamid.valid${d}`, from: `7${d}`, timestamp: String(Math.floor(Date.now() / 1000)), type: 'text', text: { body: `valid ${d}` } }],
                  },
                },
              ],
            },
          ],
        }),
        hookPath('fz-wa'),
      ),
      'X-Hub-Signature-256',
      FUZZ_SECRETS.waApp,
    ),
  mango: (d) => {
    const now = Math.floor(Date.now() / 1000);
    const text = JSON.stringify({ entry_id: `valid${d}`, call_direction: 1, from: { number: `7${d}` }, to: { number: '74950000000' }, create_time: now - 60, end_time: now, entry_result: 0 });
    return withPath(form({ vpbx_api_key: FUZZ_SECRETS.mangoKey, sign: sha256Hex(`${FUZZ_SECRETS.mangoKey}${text}${FUZZ_SECRETS.mangoSalt}`), json: text }), hookPath('fz-mango', '/events/summary'));
  },
  zadarma: (d) => {
    const fields = {
      event: 'NOTIFY_END',
      call_start: new Date().toISOString().slice(0, 19).replace('T', ' '),
      pbx_call_id: `in_valid${d}`,
      caller_id: `7${d}`,
      called_did: '74950000000',
      duration: '60',
      disposition: 'answered',
      status_code: '16',
      is_recorded: '0',
    };
    const signature = hmac('sha1', FUZZ_SECRETS.zadarma, `${fields.caller_id}${fields.called_did}${fields.call_start}`, 'base64');
    return withHeader(withPath(form(fields), hookPath('fz-zadarma')), 'Signature', signature);
  },
  sipuni: (d) =>
    withHeader(
      withPath(form({
          event: '2',
          call_id: `valid${d}`,
          src_num: `7${d}`,
          src_type: '1',
          dst_num: '74950000000',
          dst_type: '2',
          timestamp: String(Math.floor(Date.now() / 1000)),
          status: 'ANSWER',
          call_start_timestamp: String(Math.floor(Date.now() / 1000) - 60),
          call_answer_timestamp: String(Math.floor(Date.now() / 1000) - 55),
        }), hookPath('fz-sipuni')),
      'X-Leadgate-Token',
      FUZZ_SECRETS.sipuni,
    ),
  'call-webhook': (d) =>
    signed(
      withPath(json({ callId: `valid${d}`, event: 'end', direction: 'inbound', caller: `+7${d}`, line: '+74950000000', startedAt: new Date().toISOString(), durationSec: 60 }), hookPath('fz-calls')),
      'X-Leadgate-Signature',
      FUZZ_SECRETS.callHmac,
    ),
};
