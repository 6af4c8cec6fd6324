import { connectorPlugins } from '../../connectors/registry.js';

/**
 * For every webhook kind: a config and the credentials that kind checks before it reads a body, so a test
 * of the body limit reaches the body reader rather than an authentication refusal.
 */
export const limitToken = 'body-limit-token-0123456789';
const token = limitToken;

export interface LimitCase {
  config: { kind: string; [setting: string]: unknown };
  path?: string;
  headers?: Record<string, string>;
  query?: Record<string, string>;
  contentType: string;
}

export const bodyLimitCases: Record<string, LimitCase> = {
  forms: { config: { kind: 'forms', secret: token }, headers: { 'X-Leadgate-Token': token }, contentType: 'application/x-www-form-urlencoded' },
  telegram: { config: { kind: 'telegram', botToken: '123456:ABCdef', publicUrl: 'https://leads.example.com', secretToken: token }, headers: { 'X-Telegram-Bot-Api-Secret-Token': token }, contentType: 'application/json' },
  whatsapp: { config: { kind: 'whatsapp', verifyToken: token, appSecret: token, phoneNumberId: '1234567' }, contentType: 'application/json' },
  mango: { config: { kind: 'mango', apiKey: token, apiSalt: token }, path: '/events/call', contentType: 'application/x-www-form-urlencoded' },
  zadarma: { config: { kind: 'zadarma', apiSecret: token }, contentType: 'application/x-www-form-urlencoded' },
  sipuni: { config: { kind: 'sipuni', secret: token }, query: { token }, contentType: 'application/x-www-form-urlencoded' },
  'call-webhook': { config: { kind: 'call-webhook', secret: token }, headers: { 'X-Leadgate-Token': token }, contentType: 'application/json' },
};

/** The registered kinds that take webhooks, read from the registry, so a new kind without a case fails. */
export const webhookKinds = [...connectorPlugins.values()].filter((p) => p.createRouter).map((p) => p.kind);

/** A body of a little over `bytes` in the case's media type. */
export function paddedBody(c: LimitCase, bytes: number): string {
  return c.contentType === 'application/json' ? JSON.stringify({ pad: 'x'.repeat(bytes) }) : `pad=${'x'.repeat(bytes)}`;
}
