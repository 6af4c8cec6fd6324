import { defineConnector } from '../contract/define-connector.js';
import { emailConfigSpec } from './email.config.js';
import { startEmailIngress } from './email.ingress.js';
import { mapEmail } from './email.mapping.js';

/**
 * E-mail over IMAP: one instance per mailbox. A background ingress reads each watched folder (IDLE, or
 * polling), publishes a compact parsed form of every message and checkpoints its UID (`ctx.checkpoints`)
 * only after the publish is durable. The mapper (normalizer) turns it into a lead or ignores it (bounces,
 * auto-replies, bulk and internal mail). See connectors/email/README.md.
 */
export const emailConnector = defineConnector({
  channel: 'email',
  config: emailConfigSpec,
  mapper: mapEmail,
  start: (ctx) => startEmailIngress(ctx),
});
