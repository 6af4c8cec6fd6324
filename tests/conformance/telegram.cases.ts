import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { telegramConnector } from '../../connectors/telegram/telegram.connector.js';
import type { TelegramConfig } from '../../connectors/telegram/telegram.config.js';
import { conformanceCase, type ConformanceSuite } from '../support/connector-conformance.js';
import { startTelegramBotApiStub, type TelegramBotApiStub } from '../support/telegram-bot-api.stub.js';

const botToken = '123456789:AAHconformance_token-xyz';
const secretToken = 'conformance-secret-0123456789abcdef';
const update = readFileSync(join(dirname(fileURLToPath(import.meta.url)), '../fixtures/telegram/text-private.body'), 'utf8');
const json = { 'Content-Type': 'application/json' };

let api: TelegramBotApiStub | undefined;
// The suite reads the config when each test runs, so the stub's port can be filled in here.
const config: TelegramConfig = {
  id: 'shop-bot',
  kind: 'telegram',
  botToken,
  publicUrl: 'https://leads.example.com',
  secretToken,
  apiRoot: 'http://127.0.0.1:1',
  pollTimeoutSec: 1,
  unregisterOnStop: true,
};

export const telegramConformance: ConformanceSuite = {
  async beforeAll() {
    api = await startTelegramBotApiStub({ token: botToken });
    config.apiRoot = api.url;
  },
  async afterAll() {
    await api?.close();
  },
  cases: [
    conformanceCase<TelegramConfig>({
    name: 'telegram (webhook mode)',
    plugin: telegramConnector,
    config,
    validRequest: { headers: { ...json, 'X-Telegram-Bot-Api-Secret-Token': secretToken }, body: update },
    badPayloadRequest: { headers: { ...json, 'X-Telegram-Bot-Api-Secret-Token': secretToken }, body: '{"message":{"text":"no update_id"}}' },
    badSignatureRequest: { headers: { ...json, 'X-Telegram-Bot-Api-Secret-Token': 'wrong-secret-0123456789abcdef0123' }, body: update },
    }),
  ],
};
