import { createHmac } from 'node:crypto';
import { formsConnector } from '../../connectors/forms/forms.connector.js';
import type { FormsConfig } from '../../connectors/forms/forms.config.js';
import { conformanceCase, type ConformanceSuite } from '../support/connector-conformance.js';

const token = 'tilda-token-0123456789';
const hmacSecret = 'site-backend-hmac-key-0123';
const tildaBody = 'Name=Ivan&Phone=%2B7+999+123-45-67&tranid=1234567%3A890&formid=form123';
const form = { 'Content-Type': 'application/x-www-form-urlencoded' };


const jsonBody = JSON.stringify({ name: 'Anna', email: 'anna@example.com', eventId: 'evt-1' });
const sign = (body: string, key: string): string => `sha256=${createHmac('sha256', key).update(body).digest('hex')}`;

export const formsConformance: ConformanceSuite = {
  cases: [
    conformanceCase<FormsConfig>({
    name: 'forms (token, Tilda)',
    plugin: formsConnector,
    config: { id: 'tilda-site', kind: 'forms', secret: token, honeypotField: 'lg_hp' },
    validRequest: { query: { token }, headers: form, body: tildaBody },
    badPayloadRequest: { query: { token }, headers: form, body: 'tranid=1&formid=form123' },
    badSignatureRequest: { query: { token: 'wrong-token-0123456789' }, headers: form, body: tildaBody },
    }),
    conformanceCase<FormsConfig>({
    name: 'forms (HMAC, site backend)',
    plugin: formsConnector,
    config: { id: 'backend-site', kind: 'forms', hmacSecret, honeypotField: 'lg_hp' },
    validRequest: { headers: { 'Content-Type': 'application/json', 'X-Leadgate-Signature': sign(jsonBody, hmacSecret) }, body: jsonBody },
    badPayloadRequest: {
      headers: { 'Content-Type': 'application/json', 'X-Leadgate-Signature': sign('{"name":', hmacSecret) },
      body: '{"name":',
    },
    badSignatureRequest: {
      headers: { 'Content-Type': 'application/json', 'X-Leadgate-Signature': sign(jsonBody, 'another-key-0123456789') },
      body: jsonBody,
    },
    }),
  ],
};
