import { randomUUID } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import type { RunningPipeline } from '../../bin/pipeline.js';
import { startCrmStub, type CrmStub } from '../../scripts/crm-stub.js';
import { buildConsole, launchChromium, screenshot, watchPageErrors } from '../support/console-browser.js';
import { freePort } from '../support/leadgate-process.js';
import { createTestEnvironment, postForm, type TestEnvironment } from '../support/pipeline-harness.js';
import { Topics } from '../../contracts/topics.js';
import { eventually } from '../support/routing-fixtures.js';

const adminToken = 'console-e2e-admin-token-0123456789abcdef';
const pbxSecret = 'console-e2e-pbx-secret-0123456789';
const annaOperatorToken = 'console-e2e-operator-anna-0123456789';

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
    // A fixed port, so the gateway can be restarted under the page's feet (the reconnect test).
    env = await createTestEnvironment('embedded', {
      server: { port: await freePort(), host: '127.0.0.1' },
      admin: { token: adminToken, operators: [{ ownerId: 'anna', token: annaOperatorToken }] },
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
  }, 180_000);

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
    for (const path of ['/v1/admin/connectors', '/v1/admin/callbacks', '/v1/admin/routing/rules', '/v1/admin/dead-letters', '/v1/admin/lookup?q=anna', '/v1/reports/reaction']) {
      const res = await fetch(`${base}${path}`, { headers: { authorization: 'Bearer not-the-token' } });
      expect([path, res.status]).toEqual([path, 401]);
    }
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

    // The same person calls: the popup names the known contact, its owner and the open lead.
    const callId = `k-${randomUUID().slice(0, 8)}`;
    const ring = await fetch(`${base}/v1/hooks/pbx?token=${pbxSecret}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ callId, event: 'start', direction: 'inbound', caller: '89165550001' }) });
    expect(ring.status).toBe(202);
    const popup = page.locator(`.popup.ringing[data-call="call-webhook:${callId}"]`);
    await popup.waitFor();
    const text = (await popup.textContent()) ?? '';
    expect(text).toContain('Olga Form');
    expect(text).toContain('owner: boris');
    expect(text).toContain('open lead');
    await screenshot(page, '03b-live-known-caller');
    await page.selectOption('#owner-filter', '');
  });

  test('connectors: kinds, webhook URLs to paste, last event, and last hour counts with rejections by reason', async () => {
    const bad = await fetch(`${base}/v1/hooks/pbx?token=wrong-token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(bad.status).toBe(401);
    await page.click('a[data-page="connectors"]');
    const pbx = page.locator('#connectors tr[data-connector="pbx"]');
    await pbx.waitFor();
    expect(await pbx.locator('code').textContent()).toBe(`${base}/v1/hooks/pbx?token=<secret>`);
    expect(await pbx.locator('[data-outcome="unauthorized"]').textContent()).toBe('unauthorized: 1');
    expect(await pbx.locator('[data-outcome="accepted"]').textContent()).toBe('accepted: 3');
    expect(await page.locator('#connectors tr[data-connector="site"] td').nth(1).textContent()).toBe('forms');
    errors.length = 0;
    await screenshot(page, '04-connectors');
  });

  test('dead letters: a delivery the CRM refused is listed, replayed from the page, and reaches the CRM stub', async () => {
    const phone = '+79167770001';
    crm.behave(() => ({ status: 422, body: { error: 'phone field is required by the CRM' } }));
    expect((await postForm(pipeline.port as number, 'site', { name: 'Refused Once', phone, tranid: randomUUID() })).status).toBe(202);
    const letter = await eventually(async () => (await pipeline.store.query<{ id: string }>(`select id from dead_letters where code = 'DESTINATION_REJECTED' and replayed_at is null`))[0], 'the dead letter in the index');
    crm.behave(() => ({ status: 201, body: { id: `crm-${randomUUID().slice(0, 6)}` } }));
    await page.click('a[data-page="dlq"]');
    const row = page.locator(`#dead-letters tr[data-letter="${letter.id}"]`);
    await row.waitFor();
    expect(await row.textContent()).toContain('DESTINATION_REJECTED');
    await row.locator('a').click();
    const masked = (await page.locator('.payload pre').textContent()) ?? '';
    expect(masked).not.toContain(phone);
    expect(masked).toContain('+79*****01');
    await screenshot(page, '05-dead-letters');
    await row.locator('input.pick').check();
    await page.click('#replay-selected');
    await page.locator('#replay-result', { hasText: `#${letter.id} → ` }).waitFor();
    const delivered = await eventually(async () => crm.accepted.find((d) => JSON.stringify(d.body).includes(phone)), 'the replayed delivery at the CRM stub');
    expect(delivered.idempotencyKey).not.toBe('');
    await screenshot(page, '06-dead-letter-replayed');
  });

  test('owners: switching the rule\'s only owner off changes the dry-run answer', async () => {
    await page.click('a[data-page="owners"]');
    await page.locator('#rules li[data-rule="ads"]').waitFor();
    await page.selectOption('#dry-run select[name="channel"]', 'form');
    await page.fill('#dry-run input[name="utmSource"]', 'yandex');
    await page.click('#dry-run button[type="submit"]');
    await page.locator('#dry-run-result[data-owner="anna"][data-rule="ads"]').waitFor();
    await screenshot(page, '07-owners-dry-run-anna');
    await page.locator('#owners tr[data-owner="anna"] input.available').uncheck();
    const after = page.locator('#dry-run-result[data-owner="boris"]');
    await after.waitFor();
    const [row] = await pipeline.store.query<{ available: boolean }>(`select available from routing_owners where owner_id = 'anna'`);
    expect(row?.available).toBe(false);
    await screenshot(page, '08-owners-dry-run-anna-off');
    await page.locator('#owners tr[data-owner="anna"] input.available').check();
    await page.locator('#dry-run-result[data-owner="anna"]').waitFor();
  });

  test('report: the page\'s figures are the store\'s, computed independently here', async () => {
    // A first response for one lead, 90 s after it was routed.
    const [timer] = await pipeline.store.query<{ lead_id: string; created_at: Date }>('select lead_id, created_at from lead_sla order by created_at limit 1');
    if (!timer) throw new Error('no routed lead');
    const at = new Date(new Date(timer.created_at).getTime() + 90_000).toISOString();
    const first = await fetch(`${base}/v1/leads/${timer.lead_id}/first-response`, { method: 'POST', headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ at }) });
    expect(first.status).toBe(200);

    const [counts] = await pipeline.store.query<{ leads: string; activities: string; tasks: string }>('select (select count(*) from leads) as leads, (select count(*) from lead_activities) as activities, (select count(*) from callback_tasks) as tasks');
    const seconds = (await pipeline.store.query<{ s: number }>('select response_seconds as s from lead_sla where response_seconds is not null')).map((r) => Number(r.s)).sort((a, b) => a - b);
    expect(seconds).toEqual([90]);
    await page.click('a[data-page="report"]');
    const total = page.locator('#report tfoot tr[data-group="total"]');
    await total.waitFor();
    const cell = async (k: string, attr?: string): Promise<string> => {
      const el = total.locator(`[data-k="${k}"]`);
      return (attr ? await el.getAttribute(attr) : await el.textContent()) ?? '';
    };
    expect(Number(await cell('leadsIn'))).toBe(Number(counts?.leads));
    expect(Number(await cell('duplicatesAbsorbed'))).toBe(Number(counts?.activities) - Number(counts?.leads));
    expect(Number(await cell('responded'))).toBe(1);
    expect(Number(await cell('medianFirstResponseSec', 'data-v'))).toBe(90);
    expect(await cell('medianFirstResponseSec')).toBe('1:30');
    expect(await cell('missedNotCalledBack')).toBe(`0 / ${Number(counts?.tasks)}`);
    const today = new Date().toISOString().slice(0, 10);
    expect(await page.locator(`#report tbody tr[data-group="${today}"] [data-k="leadsIn"]`).textContent()).toBe(String(counts?.leads));
    expect(await page.locator('#chart-volume rect').count()).toBeGreaterThan(0);
    await screenshot(page, '09-report');
  });

  test('lead lookup by phone shows contact, lead and lineage; erase needs the typed confirmation', async () => {
    await page.click('a[data-page="lookup"]');
    await page.fill('#lookup input[name="q"]', '8 916 555-00-01');
    await page.click('#lookup button[type="submit"]');
    await page.locator('#lookup-result h2', { hasText: 'Olga Form' }).waitFor();
    expect(await page.locator('#lookup-leads tr').count()).toBe(1);
    const contactId = (await page.locator('#lookup-result h2 .muted').first().textContent()) ?? '';
    const [known] = await pipeline.store.query<{ contact_id: string }>(`select contact_id from identities where kind = 'phone' and value = '+79165550001'`);
    expect(contactId).toBe(known?.contact_id);
    await screenshot(page, '10-lookup');
    await page.click('#erase');
    await page.fill('#erase-confirm', 'erase');
    expect(await page.locator('#erase-go').isDisabled()).toBe(true);
    await page.fill('#erase-confirm', 'ERASE');
    await page.click('#erase-go');
    await page.locator('#erased').waitFor();
    const [contact] = await pipeline.store.query<{ erased_at: Date | null; name: string | null }>('select erased_at, name from contacts where id = $1', [contactId]);
    expect(contact?.erased_at).not.toBeNull();
    expect(contact?.name).toBeNull();
  });

  test('Russian: the switch translates the console, and a Russian browser gets it by default', async () => {
    await page.click('button[data-lang="ru"]');
    expect(await page.locator('a[data-page="live"]').textContent()).toBe('Онлайн');
    expect(await page.locator('html').getAttribute('lang')).toBe('ru');
    await page.click('a[data-page="report"]');
    await page.locator('#report').waitFor();
    await screenshot(page, '11-report-ru');
    await page.click('button[data-lang="en"]');
    const ru = await browser.newContext({ locale: 'ru-RU', viewport: { width: 1280, height: 860 } });
    const fresh = await ru.newPage();
    await fresh.goto(`${base}/console/`);
    await fresh.locator('.signin h1', { hasText: 'Вход' }).waitFor();
    await screenshot(fresh, '12-sign-in-ru');
    await ru.close();
  });

  test('live: reconnects by itself after the gateway restarts, and keeps receiving', async () => {
    await page.click('a[data-page="live"]');
    await page.waitForSelector('#live-status.open');
    await pipeline.close();
    await page.waitForSelector('#live-status.closed');
    errors.length = 0; // the browser logs the refused reconnect attempts: expected while the gateway is down
    await screenshot(page, '13-live-reconnecting');
    pipeline = await env.start();
    await page.waitForSelector('#live-status.open', { timeout: 60_000 });
    // The restarted gateway's stream consumer joins at the end of the topic, and a gateway announces each call
    // once: ring with a new call until a popup shows.
    await eventually(async () => {
      const callId = `r-${randomUUID().slice(0, 8)}`;
      await fetch(`${base}/v1/hooks/pbx?token=${pbxSecret}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ callId, event: 'start', direction: 'inbound', caller: '+79169990001' }) });
      await new Promise((r) => setTimeout(r, 500));
      return (await page.locator('.popup[data-call^="call-webhook:r-"]').count()) > 0 ? true : undefined;
    }, 'a popup after the reconnect', 60_000);
    errors.length = 0;
  });

  test("an operator token signs in to a read-only console: its owner's live events only, masked dead letters, no replay or erase", async () => {
    const phone = '+79167770002';
    crm.behave(() => ({ status: 422, body: { error: `CRM refused ${phone}` } }));
    expect((await postForm(pipeline.port as number, 'site', { name: 'Operator Sees Masked', phone, tranid: randomUUID() })).status).toBe(202);
    const letter = await eventually(async () => (await pipeline.store.query<{ id: string }>(`select id from dead_letters where code = 'DESTINATION_REJECTED' and replayed_at is null`))[0], 'a new dead letter');
    crm.behave(() => ({ status: 201, body: { id: `crm-${randomUUID().slice(0, 6)}` } }));

    const context = await browser.newContext({ locale: 'en-GB', viewport: { width: 1280, height: 860 } });
    const operator = await context.newPage();
    const operatorErrors = watchPageErrors(operator);
    try {
      await operator.goto(`${base}/console/`);
      await operator.fill('#token', annaOperatorToken);
      await operator.click('#signin');
      await operator.waitForSelector('#live-status.open');
      expect(await operator.locator('#principal').textContent()).toContain('anna');
      expect(await operator.locator('#owner-pinned').textContent()).toContain('anna');
      expect(await operator.locator('#owner-filter').count()).toBe(0);
      const nav = await operator.locator('nav a').evaluateAll((links) => links.map((a) => a.getAttribute('data-page')));
      expect(nav).toEqual(['live', 'dlq', 'lookup', 'report']);

      // The server filters: boris's event never reaches this socket, anna's does.
      const event = (ownerId: string, name: string): Record<string, unknown> => ({ v: 1, type: 'lead.assigned', at: new Date().toISOString(), ownerId, leadId: randomUUID(), data: { marker: name } });
      await pipeline.bus.publish(Topics.events, 'operator-test', event('boris', 'for-boris'));
      await pipeline.bus.publish(Topics.events, 'operator-test', event('anna', 'for-anna'));
      await operator.locator('#events tr[data-type="lead.assigned"] td', { hasText: 'anna' }).first().waitFor();
      const owners = await operator.locator('#events tr td:nth-child(3)').allTextContents();
      expect(owners.length).toBeGreaterThan(0);
      expect(owners.every((o) => o === 'anna')).toBe(true);
      await screenshot(operator, '14-operator-live');

      await operator.click('a[data-page="dlq"]');
      const row = operator.locator(`#dead-letters tr[data-letter="${letter.id}"]`);
      await row.waitFor();
      expect(await operator.locator('#replay-selected').count()).toBe(0);
      expect(await row.locator('button.replay, input.pick').count()).toBe(0);
      expect(await operator.locator('#parked').count()).toBe(0);
      await row.locator('a').click();
      const shown = (await operator.locator('.payload pre').textContent()) ?? '';
      expect(shown).toContain('***02');
      expect(shown).not.toContain('79167770002');
      expect(await operator.locator('.payload .unmask').count()).toBe(0);
      await screenshot(operator, '15-operator-dead-letters-masked');

      // The API refuses what the UI no longer offers, with a reason.
      const replay = await operator.evaluate(async ([id, token]) => {
        const res = await fetch('/v1/admin/dlq/replay', { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ id: Number(id) }) });
        return { status: res.status, body: (await res.json()) as { error: { details: { reason: string } } } };
      }, [letter.id, annaOperatorToken] as const);
      expect(replay.status).toBe(403);
      expect(replay.body.error.details.reason).toBe('operator_read_only');
      operatorErrors.length = 0; // the browser logs the refused call: expected here

      await operator.click('a[data-page="lookup"]');
      await operator.fill('#lookup input[name="q"]', phone);
      await operator.click('#lookup button[type="submit"]');
      await operator.locator('#lookup-result h2', { hasText: 'Operator Sees Masked' }).waitFor();
      expect(await operator.locator('#erase').count()).toBe(0);
      await screenshot(operator, '16-operator-lookup');
      expect(operatorErrors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
