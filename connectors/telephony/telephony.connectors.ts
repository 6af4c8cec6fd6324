import type { ConnectorPlugin } from '../connector.port.js';
import { callWebhookConnector } from './call-webhook.connector.js';
import { mangoConnector } from './mango.connector.js';
import { sipuniConnector } from './sipuni.connector.js';
import { zadarmaConnector } from './zadarma.connector.js';

/** Every telephony kind, for the registry: one call model, one lifecycle, one mapper shape. */
export const telephonyConnectors: readonly ConnectorPlugin[] = [mangoConnector, zadarmaConnector, sipuniConnector, callWebhookConnector];
