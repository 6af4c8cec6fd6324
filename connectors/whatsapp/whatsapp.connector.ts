import { defineConnector } from '../contract/define-connector.js';
import { whatsappConfigSpec } from './whatsapp.config.js';
import { createWhatsAppRouter } from './whatsapp.ingress.js';
import { mapWhatsAppMessage } from './whatsapp.mapping.js';

/**
 * WhatsApp Business Cloud API (Meta) webhooks for one phone number: GET handshake with the verify
 * token, POSTs signed with the app secret (`X-Hub-Signature-256` over the raw body), one raw event per
 * message keyed by its `wamid`. Status callbacks and other numbers' traffic are answered 200 and ignored.
 */
export const whatsappConnector = defineConnector({
  channel: 'whatsapp',
  config: whatsappConfigSpec,
  mapper: mapWhatsAppMessage,
  createRouter: createWhatsAppRouter,
});
