import { loadConfig } from '../../config/config.loader.js';
import type { LeadgateConfig } from '../../config/config.types.js';
import { isLeadgateError } from '../../contracts/errors.js';

/** Loads the config for a command; prints why it is invalid and returns undefined (exit 78, EX_CONFIG). */
export function loadConfigOrExit(path: string | undefined): LeadgateConfig | undefined {
  try {
    return loadConfig(path ?? process.env.LEADGATE_CONFIG);
  } catch (err) {
    process.stderr.write(`${isLeadgateError(err) ? err.message : String(err)}\n`);
    return undefined;
  }
}
