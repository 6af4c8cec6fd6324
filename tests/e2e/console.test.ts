import { randomUUID } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import type { RunningPipeline } from '../../bin/pipeline.js';
import { startCrmStub, type CrmStub } from '../../scripts/crm-stub.js';
import { buildConsole, launchChromium, screenshot, watchPageErrors } from '../support/console-browser.js';
import { createTestEnvironment, postForm, type TestEnvironment } from '../support/pipeline-harness.js';
import { eventually } from '../support/routing-fixtures.js';

const adminToken = 'console-e2e-admin-token-0123456789abcdef';
const pbxSecret = 'console-e2e-pbx-secret-0123456789';

/**
 * The operator console in real headless Chromium against a running Leadgate (embedded PGlite log and
 * store, the CRM stub as destination): every step drives the page as an operator would and checks the
 * result both on the page and where it really lands (stream, store, CRM stub).
 */
describe('operator console in headless Chromium (embedded back-end)', () => {
  let crm: CrmStub;
  let env: TestEnvironment;
  let pipeline: RunningPipeline;
  let browser: Browser;
  let page: Page;
  let errors: string[];
  let base: string;

  beforeAll(async () => {
    buildConsole();
    crm = await startCrmStub();
    env = await createTestEnvironment('embedded', {
      admin: { token: adminToken },
      router: {
        owners: [{ id: 'anna', name: 'Anna' }, { id: 'boris', name: 'Boris' }],
        rules: [
          { id: 'calls', match: { channels: ['call'] }, pool: ['anna'], strategy: 'fixed', slaMinutes: 15 },
          { id: 'ads', match: { utm: { utm_source: ['yandex'] } }, pool: ['anna'], strategy: 'fixed', slaMinutes: 30 },
          { id: 'rest', pool: ['boris'], strategy: 'fixed' },
        ],
        fallbackOwner: 'boris',
        callbacks: { enabled: true, dueMinutes: 15 },
        destination: { kind: 'webhook', url: crm.url },
      },
      connectors: [
        { id: 'site', kind: 'forms' },
        { id: 'pbx', kind: 'call-webhook', secret: pbxSecret, timeZone: 'UTC' },
      ],
    });
    pipeline = await env.start();
    base = `http://127.0.0.1:${pipeline.port as number}`;
    browser = await launchChromium();
    const context = await browser.newContext({ locale: 'en-GB', viewport: { width: 1280, height: 860 } });
    page = await context.newPage();
    errors = watchPageErrors(page);
  });

  afterAll(async () => {
    await browser?.close();
    await env?.cleanup();
    await crm?.close();
  });

  afterEach(() => {
    // A CSP violation or a script error fails the step that caused it.
    expect(errors).toEqual([]);
  });

  test('serves the console with a strict CSP and long-lived hashed assets', async () => {
    const index = await fetch(`${base}/console/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('cache-control')).toBe('no-cache');
    const csp = index.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    const html = await index.text();
    expect(html).not.toMatch(/<script>(?!<)/);
    const asset = /src="(\/console\/assets-[0-9a-f]+\/main\.js)"/.exec(html)?.[1] as string;
    const js = await fetch(`${base}${asset}`);
    expect(js.status).toBe(200);
    expect(js.headers.get('cache-control')).toContain('immutable');
    expect((await fetch(`${base}/`, { redirect: 'manual' })).headers.get('location')).toBe('/console/');
  });

  test('a wrong token is refused, the admin token signs in', async () => {
    await page.goto(`${base}/console/`);
    await page.fill('#token', 'not-the-token');
    await page.click('#signin');
    await page.waitForSelector('.signin .error');
    errors.length = 0; // the refused sign-in's 401 is logged by the browser: expected here
    await screenshot(page, '01-sign-in');
    await page.fill('#token', adminToken);
    await page.click('#signin');
    await page.waitForSelector('#live-status.open');
  });

  test('live: a ringing call pops up as the webhook arrives, then the missed call and its lead show up', async () => {
    const callId = `c-${randomUUID().slice(0, 8)}`;
    const caller = '+79161112233';
    const post = (body: Record<string, unknown>): Promise<Response> =>
      fetch(`${base}/v1/hooks/pbx?token=${pbxSecret}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await post({ callId, event: 'start', direction: 'inbound', caller, line: '+74950000000' })).status).toBe(202);
    const popup = page.locator(`.popup[data-call="call-webhook:${callId}"]`);
    await popup.waitFor();
    expect(await popup.locator('.caller').textContent()).toBe(caller);
    await screenshot(page, '02-live-ringing');

    expect((await post({ callId, event: 'end', direction: 'inbound', caller, outcome: 'missed' })).status).toBe(202);
    await page.locator('#events tr[data-type="lead.created"]').first().waitFor();
    await page.locator(`.popup.missed[data-call="call-webhook:${callId}"]`).waitFor();
    await page.locator('#callbacks li').first().waitFor();
    expect(await page.locator('#callbacks li').first().textContent()).toContain(caller);
    expect(await page.locator('#callbacks .countdown').first().textContent()).toMatch(/due in \d+:\d\d/);
    await screenshot(page, '03-live-missed-lead-callback');
  });

  test('live: a form lead appears, and the owner filter hides other owners', async () => {
    await page.selectOption('#owner-filter', 'boris');
    const res = await postForm(pipeline.port as number, 'site', { name: 'Olga Form', phone: '+79165550001', tranid: randomUUID() });
    expect(res.status).toBe(202);
    await page.locator('#events tr[data-type="lead.created"]', { hasText: 'Olga Form' }).waitFor();
    await eventually(async () => ((await page.locator('#events tr').evaluateAll((rows) => rows.every((r) => r.textContent?.includes('boris')))) ? true : undefined), 'only boris events');
    await page.selectOption('#owner-filter', '');
  });
});
