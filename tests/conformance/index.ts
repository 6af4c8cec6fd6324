import type { ConformanceSuite } from '../support/connector-conformance.js';
import { emailConformance } from './email.cases.js';
import { formsConformance } from './forms.cases.js';
import { telegramConformance } from './telegram.cases.js';
import { telephonyConformance } from './telephony.cases.js';
import { whatsappConformance } from './whatsapp.cases.js';

/** Every channel folder's conformance cases; tests/integration/connector-conformance.test.ts checks them against the registry. */
export const conformanceSuites: readonly ConformanceSuite[] = [formsConformance, telegramConformance, whatsappConformance, emailConformance, telephonyConformance];
