import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunningPipeline } from '../../bin/pipeline.js';
import { startCrmStub, type CrmStub } from '../../scripts/crm-stub.js';
import { DovecotServer, DOVECOT_START_TIMEOUT_MS } from '../support/dovecot.js';
import { createTestEnvironment, type TestEnvironment } from '../support/pipeline-harness.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '../fixtures/email');
const eml = (name: string): Buffer => readFileSync(join(fixtures, `${name}.eml`));
const mailbox = JSON.parse(readFileSync(join(fixtures, 'mailbox.config.json'), 'utf8')) as Record<string, unknown>;

interface DeliveredLead {
  leadId: string;
  channel: string;
  connectorId: string;
  contact: { name?: string; phones: string[]; emails: string[] };
}
const leadOf = (d: { body: Record<string, unknown> }): DeliveredLead => d.body.lead as DeliveredLead;

const user = 'sales@okna-moskva.ru';
const password = 'e2e-mailbox-password';

/** Mail in a real IMAP mailbox → raw events on the real Kafka broker → leads in PostgreSQL → the CRM stub. */
describe('e-mail pipeline on kafka', () => {
  let dovecot: DovecotServer;
  let crm: CrmStub;
  let env: TestEnvironment;
  let pipeline: RunningPipeline;

  beforeAll(async () => {
    dovecot = await DovecotServer.start();
    await dovecot.addUser(user, password);
  }, DOVECOT_START_TIMEOUT_MS);

  afterAll(async () => {
    await dovecot?.stop();
  });

  beforeEach(async () => {
    crm = await startCrmStub();
    env = await createTestEnvironment('kafka', {
      normalizer: { mergeWindowMinutes: 60 },
      router: { owners: [{ id: 'anna' }, { id: 'boris' }], destination: { kind: 'webhook', url: crm.url }, retry: { attempts: 3, initialMs: 20, maxMs: 200 } },
      connectors: [{ id: 'sales-mail', kind: 'email', host: dovecot.host, port: dovecot.port, secure: false, user, password, ...mailbox }],
    });
    pipeline = await env.start();
  });

  afterEach(async () => {
    await env.cleanup();
    await crm.close();
  });

  test('mails become leads; auto-reply and bounce produce nothing; a reply in the thread joins the first lead', async () => {
    await dovecot.append(user, password, 'INBOX', [eml('plain-text'), eml('auto-reply'), eml('bounce-dsn'), eml('site-notification')]);
    const firstTwo = await crm.waitForAccepted(2, 30_000);
    const byEmail = (address: string) => firstTwo.find((d) => leadOf(d).contact.emails.includes(address));
    const anna = byEmail('anna.petrova@mail.example.ru');
    const sergey = byEmail('sergey.k@mail.example');
    expect(anna?.body).toMatchObject({ event: 'lead.create', lead: { channel: 'email', connectorId: 'sales-mail', contact: { name: 'Анна Петрова' } } });
    expect(sergey?.body).toMatchObject({ event: 'lead.create', lead: { contact: { name: 'Сергей Кузнецов', phones: ['+79165551234'] } } });

    // The reply comes later, from Anna's other address: only its References tie it to her lead.
    await dovecot.append(user, password, 'INBOX', [eml('thread-reply')]);
    const all = await crm.waitForAccepted(3, 30_000);
    const reply = all[2];
    expect(reply?.body.event).toBe('lead.activity');
    expect(leadOf(reply as { body: Record<string, unknown> }).leadId).toBe(leadOf(anna as { body: Record<string, unknown> }).leadId);

    // Nothing else arrives: the auto-reply and the bounce were ignored by the mapper.
    await new Promise((r) => setTimeout(r, 1500));
    expect(crm.accepted).toHaveLength(3);
    expect(pipeline.port).toBeDefined();
  });
});
