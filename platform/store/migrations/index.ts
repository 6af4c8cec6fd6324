import { busLogMigration } from './001-bus-log.js';
import { leadsMigration } from './002-leads.js';
import { emailMigration } from './004-email.js';
import { telephonyMigration } from './003-telephony.js';
import { messengersMigration } from './005-messengers.js';
import { destinationsMigration } from './006-destinations.js';
import { routingMigration } from './007-routing.js';
import { identityMigration } from './008-identity.js';
import { contentHashesMigration } from './009-content-hashes.js';
import { deliveryIntentsMigration } from './010-delivery-intents.js';
import { rateBucketsMigration } from './011-rate-buckets.js';
import { connectorCheckpointsMigration } from './013-connector-checkpoints.js';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/**
 * Applied in version order at start; each version once, recorded in `schema_migrations`. Never edit a
 * released one. Sorted here so the order of the entries below (one per feature) does not matter.
 */
export const migrations: readonly Migration[] = [busLogMigration, leadsMigration, emailMigration, telephonyMigration, messengersMigration, destinationsMigration, routingMigration, identityMigration, contentHashesMigration, deliveryIntentsMigration, rateBucketsMigration, connectorCheckpointsMigration].sort(
  (a, b) => a.version - b.version,
);
