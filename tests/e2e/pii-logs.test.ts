import { createHmac, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunningPipeline } from '../../bin/pipeline.js';
import { createLogger } from '../../platform/telemetry/logger.js';
import { startCrmStub, type CrmStub } from '../../scripts/crm-stub.js';
import { waitUntil } from '../support/bus-contract.js';
import { findLeaks, type Secrets } from '../support/pii-scan.js';
import { createTestEnvironment, postForm, type TestEnvironment } from '../support/pipeline-harness.js';

const adminToken = 'pii-admin-token-0123456789abcdef';
const formSecret = 'pii-form-token-0123456789';
const formHmac = 'pii-form-hmac-secret-0123456789';
const callSecret = 'pii-call-token-0123456789';
const waAppSecret = 'pii-meta-app-secret-0123456789ab';
const wrongToken = 'pii-wrong-token-9876543210fedcba';
const waFixture = readFileSync(join(dirname(fileURLToPath(import.meta.url)), '../fixtures/whatsapp/text-cyrillic.body'), 'ascii');

// The WhatsApp fixture's sender is 79161234567: every channel below speaks of the same person.
const known = { phone: '9161234567', email: 'anna.petrova@example.com' };
const rejected = { phone: '9031112233', email: 'dlq.person@example.org' };
const secrets: Secrets = {
  phones: [known.phone, rejected.phone],
  emails: [known.email, rejected.email],
  tokens: [adminToken, formSecret, formHmac, callSecret, waAppSecret, wrongToken],
  // A name, free text and a custom field value of the leads below, and of the lead the store refuses.
  texts: ['Wexford', 'harvest fair', 'Periwinkle', 'Quillmoss', 'refused orchard'],
};

/** Admin routes as the composition root mounts them; the right token must get past each guard. */
const adminRoutes: [method: string, path: string][] = [
  ['GET', '/v1/admin/owners'],
  ['PUT', '/v1/admin/owners/anna/availability'],
  ['POST', '/v1/admin/routing/dry-run'],
  ['POST', '/v1/leads/no-such-lead/first-response'],
  ['POST', '/v1/leads/no-such-lead/close'],
  ['GET', '/v1/leads/no-such-lead/lineage'],
  ['GET', '/v1/contacts/no-such-contact/lineage'],
  ['POST', '/v1/admin/contacts/erase'],
  ['GET', '/v1/admin/dlq'],
  ['GET', '/v1/admin/dlq/1'],
  ['POST', '/v1/admin/dlq/replay'],
  ['GET', '/v1/admin/destinations'],
  ['POST', '/v1/admin/destinations/crm/resume'],
];

const phonesOf = (body: Record<string, unknown>): string[] => ((body.lead as { contact?: { phones?: string[] } } | undefined)?.contact?.phones ?? []);

describe('secrets and PII on the embedded default', () => {
  const lines: string[] = [];
  let crm: CrmStub;
  let env: TestEnvironment;
  let pipeline: RunningPipeline;
  let base: string;

  beforeAll(async () => {
    crm = await startCrmStub();
    let firstKey: string | undefined;
    // CRMs echo what they refused; the router logs those answers, so they carry PII too.
    crm.behave((delivery, attempt) => {
      if (phonesOf(delivery.body).some((p) => p.endsWith(rejected.phone))) {
        return { status: 422, body: { error: `invalid contact +7${rejected.phone} / ${rejected.email}` } };
      }
      // Beyond the router's three attempts in place, so the lead is postponed to the retry topic (a warn).
      firstKey ??= delivery.idempotencyKey;
      if (delivery.idempotencyKey === firstKey && attempt <= 3) return { status: 503, headers: { 'retry-after': '0' }, body: { error: `busy, try +7${known.phone} later` } };
      return { status: 201, body: { id: `crm-${randomUUID()}` } };
    });
    env = await createTestEnvironment(
      'embedded',
      {
        admin: { token: adminToken },
        normalizer: { defaultRegion: 'RU', mergeWindowMinutes: 60 },
        router: { owners: [{ id: 'anna' }, { id: 'boris' }], destination: { kind: 'webhook', url: crm.url }, retry: { attempts: 3, initialMs: 20, maxMs: 200 } },
        connectors: [
          { id: 'site', kind: 'forms' },
          { id: 'tilda', kind: 'forms', secret: formSecret },
          { id: 'signed', kind: 'forms', hmacSecret: formHmac },
          { id: 'calls', kind: 'call-webhook', secret: callSecret },
          { id: 'wa', kind: 'whatsapp', verifyToken: 'pii-verify-token-0123', appSecret: waAppSecret, phoneNumberId: '106540352242922' },
        ],
      },
      // The production logger at its default level, writing where the test can read it.
      { logger: createLogger('info', { write: (line: string) => void lines.push(line) }) },
    );
    pipeline = await env.start();
    base = `http://127.0.0.1:${pipeline.port as number}`;
  }, 120_000);

  afterAll(async () => {
    await env.cleanup();
    await crm.close();
  }, 60_000);

  // Runs first: the flow test below also scans what these refusals logged.
  test.each(adminRoutes)('%s %s refuses a missing, wrong or malformed admin token with 401 and admits the right one', async (method, path) => {
    const call = (authorization?: string): Promise<Response> =>
      fetch(`${base}${path}`, { method, headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) }, ...(method === 'GET' ? {} : { body: '{}' }) });
    for (const authorization of [undefined, `Bearer ${wrongToken}`, `Bearer ${adminToken.slice(0, -1)}`, `Basic ${adminToken}`, adminToken, 'Bearer ']) {
      const res = await call(authorization);
      expect({ authorization, status: res.status }).toEqual({ authorization, status: 401 });
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('UNAUTHORIZED');
    }
    // Past the guard the route answers for itself (200, 400, 404 …): the 401s above came from the guard.
    expect((await call(`Bearer ${adminToken}`)).status).not.toBe(401);
  });

  test('a full flow through every channel, retries, a dead letter and refusals logs no phone, e-mail or token in clear', async () => {
    const form = { Name: 'Анна Wexford', Phone: '+7 (916) 123-45-67', Email: 'Anna.Petrova@Example.com', Comment: `call 8${known.phone} or ${known.email} after the harvest fair`, favourite_colour: 'Periwinkle', tranid: `t-${randomUUID()}` };
    expect((await postForm(pipeline.port as number, 'site', form)).status).toBe(202);
    expect((await postForm(pipeline.port as number, 'tilda', { Phone: known.phone, Email: known.email }, `?token=${formSecret}`)).status).toBe(202);

    const call = { callId: `c-${randomUUID()}`, event: 'end', direction: 'inbound', caller: `8${known.phone}`, outcome: 'missed' };
    const callRes = await fetch(`${base}/v1/hooks/calls`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-leadgate-token': callSecret }, body: JSON.stringify(call) });
    expect(callRes.status).toBe(202);

    const waBody = waFixture.replace(/"timestamp":"\d+"/, `"timestamp":"${Math.floor(Date.now() / 1000)}"`);
    const waSignature = `sha256=${createHmac('sha256', waAppSecret).update(waBody).digest('hex')}`;
    const waRes = await fetch(`${base}/v1/hooks/wa`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-hub-signature-256': waSignature }, body: waBody });
    expect(waRes.status).toBe(200);

    // Refusals: a wrong token in the URL, a bad signature, a call notification that fails the schema.
    expect((await postForm(pipeline.port as number, 'tilda', { Phone: `+7${known.phone}`, Email: known.email }, `?token=${wrongToken}`)).status).toBe(401);
    const signedBody = new URLSearchParams({ Phone: `+7${known.phone}`, Email: known.email }).toString();
    const badSig = await fetch(`${base}/v1/hooks/signed`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-leadgate-signature': `sha256=${'0'.repeat(64)}` }, body: signedBody });
    expect(badSig.status).toBe(401);
    const badCall = await fetch(`${base}/v1/hooks/calls?token=${callSecret}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ caller: `+7${known.phone}`, email: known.email, direction: 'sideways' }) });
    expect(badCall.status).toBe(422);

    // A failed store write: the store refuses this lead's record (as it refused a cut surrogate pair, 22P02).
    await pipeline.store.query(`
      create or replace function test_refuse_quillmoss() returns trigger language plpgsql as $$
      begin
        if new.output is not null and new.output::text like '%Quillmoss%' then raise exception 'invalid input syntax for type json' using errcode = '22P02'; end if;
        return new;
      end $$;
      create trigger test_refuse_quillmoss before update on raw_events for each row execute function test_refuse_quillmoss();`);
    expect((await postForm(pipeline.port as number, 'site', { Name: 'Quillmoss', Phone: '+7 999 000-11-22', Comment: 'refused orchard visit', tranid: `t-${randomUUID()}` })).status).toBe(202);

    // A lead the CRM refuses for good: 422, its answer echoing the contact, into the DLQ.
    expect((await postForm(pipeline.port as number, 'site', { Phone: `8 903 111-22-33`, Email: rejected.email })).status).toBe(202);

    const auth = { authorization: `Bearer ${adminToken}` };
    await waitUntil(async () => {
      const res = await fetch(`${base}/v1/admin/dlq`, { headers: auth });
      const items = ((await res.json()) as { items: { stage: string }[] }).items;
      return items.some((i) => i.stage === 'router') && items.some((i) => i.stage === 'normalizer');
    }, 'the refused lead and the lead the store refused to reach the DLQ', 60_000);
    await waitUntil(() => crm.requests.some((r) => r.body.event === 'lead.activity') && crm.accepted.length >= 3, 'the known contact\'s deliveries to be accepted', 60_000);
    expect(crm.requests.some((r) => crm.accepted.every((a) => a !== r))).toBe(true); // the 503s happened
    // Let the stages finish logging what they are doing before the logs are read.
    await env.cleanup();

    // The warn path was taken (not only the quiet info of normal operation), so its fields were scanned too.
    const warnings = lines.map((l) => JSON.parse(l) as { level: number; msg: string }).filter((l) => l.level >= 40);
    expect(warnings.map((w) => w.msg)).toContain('delivery postponed');
    expect(warnings.map((w) => w.msg)).toContain('raw event dead-lettered');
    expect(findLeaks(lines.join(''), secrets)).toEqual([]);
  }, 180_000);

  test('the scan itself finds every spelling of a known phone and e-mail', () => {
    const spellings = ['+79161234567', '79161234567', '89161234567', '9161234567', '+7 (916) 123-45-67', '8 916 123 45 67', '%2B7%20916%20123-45-67', '+7+916+123+45+67'];
    for (const s of spellings) expect(findLeaks(`{"msg":"x ${s} y"}`, secrets)).toHaveLength(1);
    expect(findLeaks('{"email":"Anna.Petrova%40Example.com"}', secrets)).toHaveLength(1);
    expect(findLeaks('{"msg":"***67 a***@example.com","time":1732462254123}', secrets)).toEqual([]);
    expect(findLeaks('{"name":"Anna WEXFORD"}', secrets)).toHaveLength(1);
    expect(findLeaks('{"q":"Periwinkle%20blue","c":"\\u0068arvest fair"}', secrets)).toHaveLength(2);
  });
});
