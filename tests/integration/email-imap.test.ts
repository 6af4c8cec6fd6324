import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createConnectorContext } from '../../connectors/contract/connector-context.js';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import type { RawEventV1 } from '../../contracts/raw-event.js';
import { Topics } from '../../contracts/topics.js';
import type { ConnectorContext, IngestRequest, IngestResult } from '../../connectors/connector.port.js';
import type { EmailConfig } from '../../connectors/email/email.config.js';
import { emailConnector } from '../../connectors/email/email.connector.js';
import { startEmailIngress, type RunningEmailIngress } from '../../connectors/email/email.ingress.js';
import { prepareConnectorConfig } from '../../gateway/app.js';
import { createIngest } from '../../gateway/ingest.js';
import { openStore } from '../../platform/store/open-store.js';
import type { Store } from '../../platform/store/store.port.js';
import { Metrics } from '../../platform/telemetry/metrics.js';
import { DovecotServer, DOVECOT_START_TIMEOUT_MS } from '../support/dovecot.js';
import { RecordingBus, waitFor } from '../support/recording-bus.js';
import { deliveredRecord, readGoldenCase, type GoldenCase } from '../support/golden-channels.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '../fixtures/email');
const eml = (name: string): Buffer => readFileSync(join(fixtures, `${name}.eml`));
const golden = (name: string): GoldenCase => readGoldenCase('email', name);
const mailbox = JSON.parse(readFileSync(join(fixtures, 'mailbox.config.json'), 'utf8')) as Partial<EmailConfig>;

/** A unique, well-formed message; `n` shows in the subject so order is visible in failures. */
function message(n: number, id = `<${randomUUID()}@client.example>`): string {
  return `From: Client ${n} <client${n}@client.example>\r\nTo: sales@okna-moskva.ru\r\nSubject: Request ${n}\r\nMessage-ID: ${id}\r\nDate: Tue, 14 May 2024 12:00:00 +0000\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nPlease call me, request ${n}.\r\n`;
}

let dovecot: DovecotServer;
let store: Store;
let storeDir: string;
const running: RunningEmailIngress[] = [];

beforeAll(async () => {
  const started = Date.now();
  dovecot = await DovecotServer.start();
  // Shown once so the report can say what Dovecot costs (install on a fresh machine + start).
  process.stderr.write(`[email-imap] dovecot ready in ${Date.now() - started} ms on port ${dovecot.port}\n`);
  storeDir = mkdtempSync(join(tmpdir(), 'leadgate-email-store-'));
  store = await openStore({ kind: 'embedded', dataDir: storeDir }, pino({ level: 'silent' }));
}, DOVECOT_START_TIMEOUT_MS);

afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.stop()));
});

afterAll(async () => {
  await store?.close();
  if (storeDir) rmSync(storeDir, { recursive: true, force: true });
  await dovecot?.stop();
});

interface Harness {
  id: string;
  user: string;
  password: string;
  bus: RecordingBus;
  metrics: Metrics;
  config: Readonly<EmailConfig>;
  start(wrapIngest?: (ingest: (r: IngestRequest) => Promise<IngestResult>) => (r: IngestRequest) => Promise<IngestResult>): Promise<RunningEmailIngress>;
  events(): RawEventV1[];
  checkpoint(folder?: string): Promise<{ uid_validity: string; last_uid: string } | undefined>;
}

/** A fresh mailbox account and connector id per test, so tests never share a folder or a checkpoint. */
async function harness(overrides: Partial<EmailConfig> = {}): Promise<Harness> {
  const id = `mail-${randomUUID().slice(0, 8)}`;
  const user = `${id}@okna-moskva.ru`;
  const password = `pw-${randomUUID()}`;
  await dovecot.addUser(user, password);
  const bus = new RecordingBus();
  const metrics = new Metrics({ defaultMetrics: false });
  const config = prepareConnectorConfig(emailConnector, {
    id,
    kind: 'email',
    host: dovecot.host,
    port: dovecot.port,
    secure: false,
    user,
    password,
    reconnectInitialMs: 50,
    reconnectMaxMs: 500,
    ...mailbox,
    ...overrides,
  }) as Readonly<EmailConfig>;
  const logger = pino({ level: process.env.LEADGATE_TEST_LOG_LEVEL ?? 'silent' });
  return {
    id,
    user,
    password,
    bus,
    metrics,
    config,
    async start(wrap) {
      const ingest = createIngest({ plugin: emailConnector, config, bus, metrics, logger });
      const ctx = createConnectorContext<EmailConfig>({ config, ingest: wrap ? wrap(ingest) : ingest, reject: () => undefined, logger, store, metrics });
      const ingress = await startEmailIngress(ctx, { metrics });
      running.push(ingress);
      return ingress;
    },
    events: () => bus.on(Topics.raw).map((r) => r.value as RawEventV1),
    async checkpoint(folder = 'INBOX') {
      const rows = await store.query<{ uid_validity: string; last_uid: string }>(
        "select epoch as uid_validity, position::text as last_uid from connector_checkpoints where connector_id = $1 and key = 'imap:' || $2",
        [id, folder],
      );
      return rows[0];
    },
  };
}

const ALL = ['plain-text', 'html-only', 'windows-1251', 'koi8-r', 'multipart-attachments', 'auto-reply', 'bounce-dsn', 'site-notification', 'thread-reply', 'internal-colleague'];

describe('e-mail connector on a real Dovecot', () => {
  test('publishes every fixture in UID order as a compact parsed event that maps to its golden draft', async () => {
    const h = await harness();
    const uids = await dovecot.append(h.user, h.password, 'INBOX', ALL.map(eml));
    await h.start();
    await waitFor(() => h.events().length === ALL.length, 15_000);
    const events = h.events();
    expect(events.map((e) => (e.payload.imap as { uid: number }).uid)).toEqual(uids);
    for (const [i, name] of ALL.entries()) {
      const event = events[i] as RawEventV1;
      expect(event).toMatchObject({ channel: 'email', connector: { id: h.id, kind: 'email' } });
      // Never the MIME: no transfer encodings or base64 on the bus, only decoded text and metadata.
      expect(JSON.stringify(event.payload)).not.toMatch(/Content-Transfer-Encoding|JVBERi0/);
      // The full delivered record of the golden case, now from the real mailbox instead of the parser alone.
      const spec = golden(name);
      const record = deliveredRecord({ ...event, id: 'golden-raw', connector: { id: 'golden', kind: 'email' }, receivedAt: spec.receivedAt }, 'email');
      expect({ name, record }).toEqual({ name, record: spec.expected?.[0] });
    }
    const keys = h.bus.on(Topics.raw).map((r) => r.key);
    expect(keys[0]).toBe(`${h.id}:<20240514093005.4F2A1C0012@mail.example.ru>`);
    expect(keys[ALL.indexOf('internal-colleague')]).toMatch(new RegExp(`^${h.id}:sha256:[0-9a-f]{64}$`));
    expect(await h.checkpoint()).toEqual({ uid_validity: expect.any(String), last_uid: String(uids.at(-1)) });
    const ignored = await h.metrics.emailIgnored.get();
    const byReason = Object.fromEntries(ignored.values.map((v) => [v.labels.reason, v.value]));
    expect(byReason).toEqual({ auto_reply: 1, bounce: 1, internal: 1 });
  });

  test('a message delivered during IDLE is published within 2 s', async () => {
    const h = await harness();
    await h.start();
    // Synced once (checkpoint written) means the worker is now idling on the folder.
    const deadline = Date.now() + 10_000;
    while (!(await h.checkpoint()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 200));
    const sentAt = Date.now();
    await dovecot.append(h.user, h.password, 'INBOX', [eml('plain-text')]);
    await waitFor(() => h.events().length === 1, 2000);
    expect(Date.now() - sentAt).toBeLessThan(2000);
  });

  test('polling mode (idle: false) picks up new mail on the next poll', async () => {
    const h = await harness({ idle: false, pollIntervalMs: 300 });
    await h.start();
    await new Promise((r) => setTimeout(r, 400));
    await dovecot.append(h.user, h.password, 'INBOX', [message(1)]);
    await waitFor(() => h.events().length === 1, 3000);
  });

  test('a restart mid-stream neither loses nor duplicates a message', async () => {
    const h = await harness();
    await dovecot.append(h.user, h.password, 'INBOX', [1, 2, 3, 4, 5, 6].map((n) => message(n)));
    let first: RunningEmailIngress | undefined;
    let published = 0;
    let stopping: Promise<void> | undefined;
    first = await h.start((ingest) => async (r) => {
      const res = await ingest(r);
      // Stop while the third message is in flight: it completes, the rest wait for the next run.
      if (++published === 3) stopping = first?.stop();
      return res;
    });
    await waitFor(() => stopping !== undefined, 10_000);
    await stopping;
    expect(h.events()).toHaveLength(3);
    expect(await h.checkpoint()).toMatchObject({ last_uid: '3' });
    await h.start();
    await waitFor(() => h.events().length >= 6, 10_000);
    await new Promise((r) => setTimeout(r, 300));
    const subjects = h.events().map((e) => e.payload.subject);
    expect(subjects).toEqual([1, 2, 3, 4, 5, 6].map((n) => `Request ${n}`));
  });

  test('the checkpoint never passes a message whose publish failed; it is retried after reconnecting', async () => {
    const h = await harness();
    await dovecot.append(h.user, h.password, 'INBOX', [1, 2, 3, 4].map((n) => message(n)));
    let calls = 0;
    const ingress = await h.start((ingest) => async (r) => {
      calls++;
      if (calls === 3) h.bus.fail();
      if (calls === 5) h.bus.recover();
      return ingest(r);
    });
    await waitFor(() => h.events().length === 4, 10_000);
    expect(h.events().map((e) => e.payload.subject)).toEqual(['Request 1', 'Request 2', 'Request 3', 'Request 4']);
    // Health clears when the folder's sync completes, a moment after its last publish.
    await waitFor(() => ingress.health().healthy, 10_000);
    expect(ingress.health()).toEqual({ healthy: true });
  });

  test('a changed UIDVALIDITY (folder recreated) resyncs: new mail is read, old mail repeats only under its old key', async () => {
    const h = await harness({ folders: ['Leads'] });
    await dovecot.createFolder(h.user, h.password, 'Leads');
    const a = message(1, '<a-1@client.example>');
    await dovecot.append(h.user, h.password, 'Leads', [a, message(2, '<b-2@client.example>')]);
    let ingress = await h.start();
    await waitFor(() => h.events().length === 2, 10_000);
    const before = await h.checkpoint('Leads');
    await ingress.stop();
    // The server renumbers the folder: the old message comes back as UID 1, a new one is UID 2 — below
    // the old checkpoint (2), so a connector that ignored UIDVALIDITY would skip it.
    await dovecot.recreateFolder(h.user, h.password, 'Leads');
    await dovecot.append(h.user, h.password, 'Leads', [a, message(3, '<c-3@client.example>')]);
    ingress = await h.start();
    await waitFor(() => h.events().length === 4, 10_000);
    const keys = h.bus.on(Topics.raw).map((r) => r.key);
    expect(keys).toEqual([`${h.id}:<a-1@client.example>`, `${h.id}:<b-2@client.example>`, `${h.id}:<a-1@client.example>`, `${h.id}:<c-3@client.example>`]);
    // The repeat carries the same event key, which the normalizer has seen: no second lead.
    expect(new Set(keys).size).toBe(3);
    const after = await h.checkpoint('Leads');
    expect(after?.uid_validity).not.toBe(before?.uid_validity);
    expect(after?.last_uid).toBe('2');
  });

  test('a UIDVALIDITY change while connected is picked up on the next sync', async () => {
    const h = await harness();
    await dovecot.append(h.user, h.password, 'INBOX', [message(1, '<x-1@client.example>')]);
    await h.start();
    await waitFor(() => h.events().length === 1, 10_000);
    await dovecot.setUidValidity(h.user, 'INBOX', 4242);
    await dovecot.append(h.user, h.password, 'INBOX', [message(2, '<x-2@client.example>')]);
    await waitFor(() => h.events().some((e) => e.payload.messageId === '<x-2@client.example>'), 10_000);
    await waitFor(() => h.events().length >= 3, 5000).catch(() => undefined);
    const keys = h.bus.on(Topics.raw).map((r) => r.key);
    expect(new Set(keys)).toEqual(new Set([`${h.id}:<x-1@client.example>`, `${h.id}:<x-2@client.example>`]));
    const deadline = Date.now() + 5000;
    while ((await h.checkpoint())?.uid_validity !== '4242' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect((await h.checkpoint())?.uid_validity).toBe('4242');
  });

  test('post-processing: seen flags the message, move:<folder> moves it, both after the publish', async () => {
    const seen = await harness({ postProcess: 'seen' });
    await dovecot.append(seen.user, seen.password, 'INBOX', [message(1)]);
    await seen.start();
    await waitFor(() => seen.events().length === 1, 10_000);
    let deadline = Date.now() + 5000;
    while ((await dovecot.status(seen.user, seen.password, 'INBOX')).unseen !== 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect((await dovecot.status(seen.user, seen.password, 'INBOX')).unseen).toBe(0);

    const moved = await harness({ postProcess: 'move:Processed' });
    await dovecot.createFolder(moved.user, moved.password, 'Processed');
    await dovecot.append(moved.user, moved.password, 'INBOX', [message(2)]);
    await moved.start();
    await waitFor(() => moved.events().length === 1, 10_000);
    deadline = Date.now() + 5000;
    while ((await dovecot.status(moved.user, moved.password, 'Processed')).messages !== 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect((await dovecot.status(moved.user, moved.password, 'Processed')).messages).toBe(1);
    expect((await dovecot.status(moved.user, moved.password, 'INBOX')).messages).toBe(0);
  });

  test('wrong credentials: unhealthy, retried with backoff, then disabled with a reason after the limit', async () => {
    const h = await harness({ authFailureLimit: 3 });
    const bad = prepareConnectorConfig(emailConnector, { ...h.config, password: 'wrong-password' }) as Readonly<EmailConfig>;
    const logger = pino({ level: 'silent' });
    const ctx = createConnectorContext<EmailConfig>({ config: bad, ingest: createIngest({ plugin: emailConnector, config: bad, bus: h.bus, metrics: h.metrics, logger }), reject: () => undefined, logger, store, metrics: h.metrics });
    // addUser may itself have retried a login while Dovecot picked up the new passwd-file.
    const failuresBefore = dovecot.authFailures(h.user);
    const ingress = await startEmailIngress(ctx, { metrics: h.metrics });
    running.push(ingress);
    await waitFor(() => ingress.health().healthy === false, 5000);
    await ingress.done;
    const health = ingress.health();
    expect(health.healthy).toBe(false);
    expect(health.reason).toMatch(/^disabled after 3 authentication failures/);
    const gauge = await h.metrics.connectorHealthy.get();
    expect(gauge.values).toEqual([{ labels: { connector: h.id }, value: 0 }]);
    // Stays disabled: no fourth attempt reaches the server.
    await new Promise((r) => setTimeout(r, 600));
    expect(dovecot.authFailures(h.user) - failuresBefore).toBe(3);
    expect(h.events()).toHaveLength(0);
  });
});
