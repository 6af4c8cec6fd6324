import { field } from '../../platform/config/config-spec.js';
import { connectorConfig, type ConfigOf } from '../contract/define-connector.js';

/** One WhatsApp Business number on the Cloud API. The Meta app's webhook points at `/v1/hooks/<id>`. */
export const whatsappConfigSpec = connectorConfig('whatsapp', {
  // It travels in a URL query during the handshake; long enough not to be guessed.
  verifyToken: field.string({ description: 'the "Verify token" typed into the Meta app\'s webhook settings; checked on the GET handshake', required: true, minLength: 16, maxLength: 256, secret: true }),
  appSecret: field.string({ description: 'the Meta app secret: key of the `X-Hub-Signature-256` HMAC over each POST body', required: true, minLength: 16, maxLength: 256, secret: true }),
  phoneNumberId: field.string({ description: '`metadata.phone_number_id` of this number; bodies for other numbers of the same app are ignored', required: true, pattern: '^[0-9]{5,30}$' }),
});

export type WhatsAppConfig = ConfigOf<typeof whatsappConfigSpec>;
