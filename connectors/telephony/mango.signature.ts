import { createHash } from 'node:crypto';
import { safeEqual } from '../../platform/http/signatures.js';
import { unauthorized } from './telephony.ingress.js';

/**
 * Mango's `sign`: sha256 hex of api key + the `json` field + salt. Not an HMAC, so the shared HMAC helper
 * does not apply; the comparison still goes through the shared constant-time `safeEqual`.
 */
export function mangoSign(apiKey: string, json: string, salt: string): string {
  return createHash('sha256').update(apiKey + json + salt, 'utf8').digest('hex');
}

export interface MangoCredentials {
  apiKey: string;
  apiSalt: string;
}

/**
 * Verifies a Mango request. `json` must be the field exactly as decoded from the form: re-serialising the
 * parsed JSON changes escapes and spacing (Mango escapes Cyrillic as \uXXXX) and breaks the hash.
 */
export function verifyMangoSign(creds: MangoCredentials, apiKey: string | undefined, sign: string | undefined, json: string): void {
  if (!apiKey || !sign) throw unauthorized('missing_signature', 'vpbx_api_key and sign are required');
  // Both checks always run, so timing does not reveal which of the two was wrong.
  const keyOk = safeEqual(apiKey, creds.apiKey);
  const signOk = safeEqual(sign.trim().toLowerCase(), mangoSign(creds.apiKey, json, creds.apiSalt));
  if (!keyOk || !signOk) throw unauthorized('bad_signature', 'The vpbx_api_key or sign is wrong');
}
