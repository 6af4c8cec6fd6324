import type { IdentityAdminPort } from '../contracts/identity-admin.js';
import type { Bus } from '../platform/bus/bus.port.js';
import type { Store } from '../platform/store/store.port.js';
import { eraseContact } from './contact.eraser.js';
import { lookupContact } from './contact.lookup.js';
import type { NormalizationOptions } from './draft.cleaner.js';
import { closeLead } from './lead.lifecycle.js';
import { contactLineage, leadLineage } from './lineage.query.js';

/**
 * The normalizer's side of the identity admin port, over its own tables. `rules` are the configured
 * cleaning rules, so `+7 912…` and `8 912…` name the same identity when erasing.
 */
export function createIdentityAdmin(store: Store, bus: Bus, rules: NormalizationOptions): IdentityAdminPort {
  return {
    closeLead: (leadId, reason) => closeLead(store, leadId, reason),
    leadLineage: (leadId) => leadLineage(store, leadId),
    contactLineage: (contactId) => contactLineage(store, contactId),
    lookupContact: (query) => lookupContact(store, query, rules),
    eraseContact: (request) => eraseContact(store, bus, request, rules),
  };
}
