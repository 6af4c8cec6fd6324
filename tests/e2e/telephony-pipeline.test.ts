import { randomUUID } from 'node:crypto';
import { mangoSign } from '../../connectors/telephony/mango.signature.js';
import type { RunningPipeline } from '../../bin/pipeline.js';
import { startCrmStub, type CrmStub } from '../../scripts/crm-stub.js';
import { createTestEnvironment, type TestEnvironment } from '../support/pipeline-harness.js';

const owners = [{ id: 'anna' }, { id: 'boris' }];
const creds = { apiKey: 'e2e-mango-api-key', apiSalt: 'e2e-mango-api-salt' };

/** A Mango events/summary post, signed over the exact json string sent. */
function postSummary(port: number, data: Record<string, unknown>): Promise<Response> {
  const json = JSON.stringify(data);
  return fetch(`http://127.0.0.1:${port}/v1/hooks/mango/events/summary`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ vpbx_api_key: creds.apiKey, sign: mangoSign(creds.apiKey, json, creds.apiSalt), json }).toString(),
  });
}

describe('telephony on kafka + PostgreSQL', () => {
  let crm: CrmStub;
  let env: TestEnvironment;
  let pipeline: RunningPipeline;

  beforeEach(async () => {
    crm = await startCrmStub();
    env = await createTestEnvironment('kafka', {
      normalizer: { defaultRegion: 'RU', mergeWindowMinutes: 60 },
      router: { owners, destination: { kind: 'webhook', url: crm.url }, retry: { attempts: 3, initialMs: 20, maxMs: 200 } },
      connectors: [{ id: 'mango', kind: 'mango', ...creds }],
    });
    pipeline = await env.start();
  });

  afterEach(async () => {
    await env.cleanup();
    await crm.close();
  });

  test('a signed Mango missed-call summary reaches the CRM once with call facts and an owner; a retry adds nothing', async () => {
    const port = pipeline.port as number;
    const entry = `E2E-${randomUUID()}`;
    const summary = {
      entry_id: entry,
      call_direction: 1,
      from: { number: '79161234567' },
      to: { extension: '106' },
      line_number: '74951234567',
      create_time: 1715679060,
      forward_time: 1715679063,
      talk_time: 0,
      end_time: 1715679120,
      entry_result: 0,
      disconnect_reason: 1110,
    };
    const first = await postSummary(port, summary);
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ success: true });

    // The lead first, then the callback task its missed call opens (the router delivers them in that order).
    const [delivery, callback] = await crm.waitForAccepted(2);
    expect(delivery.body.event).toBe('lead.create');
    expect(callback.body).toMatchObject({ event: 'callback.create', ownerId: delivery.body.ownerId, callback: { phone: '+79161234567', attempts: 1, status: 'open' } });
    expect(owners.map((o) => o.id)).toContain(delivery.body.ownerId);
    expect(delivery.body.lead).toMatchObject({
      channel: 'call',
      connectorId: 'mango',
      contact: { phones: ['+79161234567'], isNew: true },
      call: {
        direction: 'inbound',
        status: 'missed',
        callId: `mango:${entry}`,
        from: '+79161234567',
        line: '+74951234567',
        startedAt: '2024-05-14T09:31:00.000Z',
        endedAt: '2024-05-14T09:32:00.000Z',
      },
      source: { campaign: '+74951234567' },
      tags: expect.arrayContaining(['missed-call']),
    });

    // Mango retries a summary it thinks was lost: same raw-event key, so nothing new reaches the CRM.
    expect((await postSummary(port, summary)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 2000));
    expect(crm.accepted).toHaveLength(2);
    expect(crm.requests).toHaveLength(2);
  });
});
