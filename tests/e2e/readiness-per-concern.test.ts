import { randomUUID } from 'node:crypto';
import type { RunningPipeline } from '../../bin/pipeline.js';
import { startCrmStub, type CrmStub } from '../../scripts/crm-stub.js';
import { waitUntil } from '../support/bus-contract.js';
import { freePort } from '../support/leadgate-process.js';
import { createTestEnvironment, postForm, type Backend, type TestEnvironment } from '../support/pipeline-harness.js';

interface Ready {
  status: string;
  degraded?: string[];
  failing?: string[];
  checks: { connectors: Record<string, { healthy: boolean; reason?: string }> };
}

describe.each<Backend>(['embedded', 'kafka'])('readiness per concern on %s', (backend) => {
  let crm: CrmStub;
  let env: TestEnvironment;
  let pipeline: RunningPipeline;

  beforeEach(async () => {
    crm = await startCrmStub();
    // Nothing listens there: the IMAP connector can never connect.
    const closedPort = await freePort();
    env = await createTestEnvironment(backend, {
      router: { owners: [{ id: 'anna' }], destination: { kind: 'webhook', url: crm.url } },
      connectors: [
        { id: 'site', kind: 'forms' },
        { id: 'mailbox', kind: 'email', host: '127.0.0.1', port: closedPort, secure: false, user: 'sales', password: 'not-a-real-password-123' },
      ],
    });
    pipeline = await env.start();
  });

  afterEach(async () => {
    await env.cleanup();
    await crm.close();
  });

  test('an IMAP connector at a closed port shows on /ready and in metrics, but the gateway stays ready and webhooks work', async () => {
    const url = `http://127.0.0.1:${String(pipeline.port)}/ready`;
    let ready: Ready | undefined;
    let status = 0;
    await waitUntil(async () => {
      const res = await fetch(url);
      status = res.status;
      ready = (await res.json()) as Ready;
      return ready.checks.connectors.mailbox?.healthy === false;
    }, 'the mailbox to be reported down', 120_000);
    expect(status).toBe(200);
    expect(ready).toMatchObject({ status: 'degraded', degraded: ['connector:mailbox'] });
    expect(ready?.failing).toBeUndefined();
    expect(await pipeline.metrics.registry.getSingleMetricAsString('leadgate_connector_healthy')).toMatch(/connector="mailbox"} 0/);

    expect((await postForm(pipeline.port as number, 'site', { Name: 'Still Works', Phone: '+79135551234', tranid: `t-${randomUUID()}` })).status).toBe(202);
    const [delivery] = await crm.waitForAccepted(1, 120_000);
    expect((delivery.body.lead as { contact: { name: string } }).contact.name).toBe('Still Works');
  }, 300_000);
});
