import { emailConnector } from '../../connectors/email/email.connector.js';
import type { EmailConfig } from '../../connectors/email/email.config.js';
import { conformanceCase, type ConformanceSuite } from '../support/connector-conformance.js';
import { DovecotServer, freePort } from '../support/dovecot.js';

// The suite's cases are declared at load time, so the port is chosen before Dovecot starts.
const port = await freePort();
let dovecot: DovecotServer | undefined;


// E-mail has no webhook: the suite checks the background lifecycle (start/stop idempotent, restartable).

export const emailConformance: ConformanceSuite = {
  async beforeAll() {
    dovecot = await DovecotServer.start({ port });
    await dovecot.addUser('conformance@okna-moskva.ru', 'conformance-password');
  },
  async afterAll() {
    await dovecot?.stop();
  },
  cases: [
    conformanceCase<EmailConfig>({
    name: 'email (IMAP, Dovecot)',
    plugin: emailConnector,
    config: {
      id: 'mailbox',
      kind: 'email',
      host: '127.0.0.1',
      port,
      secure: false,
      tlsRejectUnauthorized: true,
      user: 'conformance@okna-moskva.ru',
      password: 'conformance-password',
      folders: ['INBOX'],
      pollIntervalMs: 60_000,
      idle: true,
      initialSync: 'all',
      postProcess: 'none',
      internalDomains: [],
      formRules: [],
      maxBodyChars: 10_000,
      authFailureLimit: 5,
      reconnectInitialMs: 1000,
      reconnectMaxMs: 300_000,
    },
    validRequest: {},
    badPayloadRequest: {},
    }),
  ],
};
