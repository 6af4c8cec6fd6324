import type { RunningPipeline } from '../../bin/pipeline.js';
import { startCrmStub, type CrmStub } from '../../scripts/crm-stub.js';
import { unsafeTextReason } from '../../platform/text/safe-text.js';
import { createTestEnvironment, postForm, type Backend, type TestEnvironment } from '../support/pipeline-harness.js';

/** The reported poison form, end to end: the edge makes its text safe, so it and every lead after it arrive. */
describe.each<Backend>(['embedded', 'kafka'])('hostile text through the pipeline on %s', (backend) => {
  let crm: CrmStub;
  let env: TestEnvironment;
  let pipeline: RunningPipeline;
  let port: number;

  beforeAll(async () => {
    crm = await startCrmStub();
    env = await createTestEnvironment(backend, {
      router: { owners: [{ id: 'anna' }], destination: { kind: 'webhook', url: crm.url }, retry: { attempts: 3, initialMs: 20, maxMs: 200 } },
      connectors: [{ id: 'site', kind: 'forms' }],
    });
    pipeline = await env.start();
    port = pipeline.port as number;
  }, 180_000);

  afterAll(async () => {
    await env.cleanup();
    await crm.close();
  }, 60_000);

  const contactOf = (body: Record<string, unknown>): { name?: string; phones: string[] } => (body.lead as { contact: { name?: string; phones: string[] } }).contact;

  it('a name of one letter and 150 emoji is delivered cut on a grapheme boundary, and the next lead follows', async () => {
    expect((await postForm(port, 'site', { name: `A${'😀'.repeat(150)}`, phone: '+79035550101' })).status).toBe(202);
    expect((await postForm(port, 'site', { name: 'Boris', phone: '+79035550102' })).status).toBe(202);
    const deliveries = await crm.waitForAccepted(2, 90_000);
    const emoji = deliveries.map((d) => contactOf(d.body)).find((c) => c.phones.includes('+79035550101'));
    expect(emoji?.name).toBe(`A${'😀'.repeat(99)}`);
    expect(unsafeTextReason(emoji?.name ?? '')).toBeUndefined();
    expect(deliveries.map((d) => contactOf(d.body).phones).flat()).toContain('+79035550102');
  }, 120_000);

  it('a NUL in a field is refused 422 naming the field, and a lead after it is delivered', async () => {
    const res = await postForm(port, 'site', { name: 'Nul\u0000Name', phone: '+79035550103' });
    expect(res.status).toBe(422);
    expect(await res.json()).toMatchObject({ error: { code: 'VALIDATION_FAILED', details: { reason: 'invalid_text', field: 'payload.name', problem: 'nul' } } });
    const before = crm.accepted.length;
    expect((await postForm(port, 'site', { name: 'Vera', phone: '+79035550104' })).status).toBe(202);
    const deliveries = await crm.waitForAccepted(before + 1, 90_000);
    expect(deliveries.map((d) => contactOf(d.body).phones).flat()).toContain('+79035550104');
    expect(deliveries.map((d) => contactOf(d.body).phones).flat()).not.toContain('+79035550103');
  }, 120_000);
});
