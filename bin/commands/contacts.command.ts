import { parseArgs } from 'node:util';
import { isLeadgateError } from '../../contracts/errors.js';
import type { EraseRequest } from '../../contracts/identity-admin.js';
import { eraseContact } from '../../normalizer/contact.eraser.js';
import { normalizationOf, openNormalizerRuntime } from '../normalizer-runtime.js';
import { createAppLogger } from '../app-logger.js';
import { createProgress } from '../progress.js';
import type { Command } from './command.port.js';
import { loadConfigOrExit } from './load-config.js';

export const contactsCommand: Command = {
  name: 'contacts',
  summary: "manage contacts: erase a person's data (152-FZ / GDPR)",
  usage: `leadgate contacts erase [--config <file>] (--phone <number> | --email <address> | --contact-id <id>)
  Erases the contact's name, identities (kept only as salted hashes), the raw events and Lead v1 records
  that formed it, and publishes contact.erased for the CRM. Prints the result as JSON.
  Exit codes: 0 erased or already erased, 1 not found, 2 usage, 78 bad config.`,
  async run(args) {
    const [sub, ...rest] = args;
    if (sub !== 'erase') {
      process.stderr.write(`${this.usage}\n`);
      return 2;
    }
    const { values } = parseArgs({ args: rest, options: { config: { type: 'string' }, phone: { type: 'string' }, email: { type: 'string' }, 'contact-id': { type: 'string' } } });
    const request: EraseRequest = {
      ...(values.phone ? { phone: values.phone } : {}),
      ...(values.email ? { email: values.email } : {}),
      ...(values['contact-id'] ? { contactId: values['contact-id'] } : {}),
    };
    if (Object.keys(request).length !== 1) {
      process.stderr.write(`give exactly one of --phone, --email, --contact-id\n${this.usage}\n`);
      return 2;
    }
    const config = loadConfigOrExit(values.config);
    if (!config) return 78;
    const runtime = await openNormalizerRuntime(config, createAppLogger());
    try {
      // One transaction then one publish: the bar shows the two steps, not a fake percentage.
      const progress = createProgress('erase');
      progress.update(0, 1);
      const result = await eraseContact(runtime.store, runtime.bus, request, normalizationOf(config));
      progress.update(1, 1);
      progress.finish(result.status);
      process.stdout.write(`${JSON.stringify(result)}\n`);
      return result.status === 'not_found' ? 1 : 0;
    } catch (err) {
      process.stderr.write(`${isLeadgateError(err) ? err.message : String(err)}\n`);
      return isLeadgateError(err) && err.code === 'VALIDATION_FAILED' ? 2 : 1;
    } finally {
      await runtime.close();
    }
  },
};
