import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { whatsappConnector } from '../../connectors/whatsapp/whatsapp.connector.js';
import type { WhatsAppConfig } from '../../connectors/whatsapp/whatsapp.config.js';
import { conformanceCase, type ConformanceSuite } from '../support/connector-conformance.js';

const appSecret = 'c0ffee0123456789abcdef0123456789';
const body = readFileSync(join(dirname(fileURLToPath(import.meta.url)), '../fixtures/whatsapp/text-cyrillic.body'), 'ascii');
const sign = (bytes: string, key = appSecret): string => `sha256=${createHmac('sha256', key).update(bytes).digest('hex')}`;
const malformed = '{"object":"whatsapp_business_account","entry":"not a list"}';
const json = { 'Content-Type': 'application/json' };

export const whatsappConformance: ConformanceSuite = {
  cases: [
    conformanceCase<WhatsAppConfig>({
    name: 'whatsapp (Cloud API)',
    plugin: whatsappConnector,
    config: { id: 'wa-sales', kind: 'whatsapp', verifyToken: 'meta-verify-token-0123', appSecret, phoneNumberId: '106540352242922' },
    validRequest: { headers: { ...json, 'X-Hub-Signature-256': sign(body) }, body },
    badPayloadRequest: { headers: { ...json, 'X-Hub-Signature-256': sign(malformed) }, body: malformed },
    badSignatureRequest: { headers: { ...json, 'X-Hub-Signature-256': sign(body, 'another-app-secret-0123456789') }, body },
    }),
  ],
};
