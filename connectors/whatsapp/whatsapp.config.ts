import type { ConnectorConfig } from '../connector.port.js';

/** One WhatsApp Business number on the Cloud API. The Meta app's webhook points at `/v1/hooks/<id>`. */
export interface WhatsAppConfig extends ConnectorConfig {
  kind: 'whatsapp';
  /** The "Verify token" typed into the Meta app's webhook settings; echoed check on the GET handshake. */
  verifyToken: string;
  /** The Meta app secret: key of the `X-Hub-Signature-256` HMAC over each POST body. */
  appSecret: string;
  /** `metadata.phone_number_id` of this number; bodies for other numbers of the same app are ignored. */
  phoneNumberId: string;
}

export const whatsappConfigSchema = {
  $id: 'leadgate/connectors/whatsapp/config',
  type: 'object',
  additionalProperties: false,
  required: ['id', 'kind', 'verifyToken', 'appSecret', 'phoneNumberId'],
  properties: {
    id: { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]{0,63}$' },
    kind: { const: 'whatsapp' },
    // It travels in a URL query during the handshake; long enough not to be guessed.
    verifyToken: { type: 'string', minLength: 16, maxLength: 256 },
    appSecret: { type: 'string', minLength: 16, maxLength: 256 },
    phoneNumberId: { type: 'string', pattern: '^[0-9]{5,30}$' },
  },
} as const;
