import type { ConnectorPlugin } from './connector.port.js';
import { formsConnector } from './forms/forms.connector.js';
import { telegramConnector } from './telegram/telegram.connector.js';
import { whatsappConnector } from './whatsapp/whatsapp.connector.js';
import { emailConnector } from './email/email.connector.js';
import { telephonyConnectors } from './telephony/telephony.connectors.js';
import { importConnector } from './import/import.connector.js';

/**
 * Every connector kind Leadgate knows, by kind. Adding a kind is one import and one entry here; the
 * gateway mounts its ingress and the normalizer runs its mapper from this map alone.
 */
export const connectorPlugins: ReadonlyMap<string, ConnectorPlugin> = new Map<string, ConnectorPlugin>([
  [formsConnector.kind, formsConnector],
  [telegramConnector.kind, telegramConnector],
  [whatsappConnector.kind, whatsappConnector],
  [emailConnector.kind, emailConnector],
  [importConnector.kind, importConnector],
  ...telephonyConnectors.map((plugin): [string, ConnectorPlugin] => [plugin.kind, plugin]),
]);
