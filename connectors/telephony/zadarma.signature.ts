import { hmac, safeEqual } from '../../platform/http/signatures.js';

/** The fields whose concatenation Zadarma signs, per event (its Webhook.ts and PHP examples agree). */
const signedFields: Record<string, readonly string[]> = {
  NOTIFY_START: ['caller_id', 'called_did', 'call_start'],
  NOTIFY_INTERNAL: ['caller_id', 'called_did', 'call_start'],
  NOTIFY_END: ['caller_id', 'called_did', 'call_start'],
  NOTIFY_IVR: ['caller_id', 'called_did', 'call_start'],
  NOTIFY_ANSWER: ['caller_id', 'destination', 'call_start'],
  NOTIFY_OUT_START: ['internal', 'destination', 'call_start'],
  NOTIFY_OUT_END: ['internal', 'destination', 'call_start'],
  NOTIFY_RECORD: ['pbx_call_id', 'call_id_with_rec'],
};

/** The string Zadarma signs for this event, or undefined for an event whose formula is not known. */
export function zadarmaSignedString(event: string, fields: Record<string, string | undefined>): string | undefined {
  const names = signedFields[event];
  return names?.map((n) => fields[n] ?? '').join('');
}

/** Both encodings Zadarma's own code produces for one signed string. */
export function zadarmaSignatures(secret: string, data: string): { ofHex: string; ofBytes: string } {
  return {
    // PHP: base64_encode(hash_hmac('sha1', …)) — hash_hmac returns hex, so this is base64 of 40 hex chars (56 chars).
    ofHex: Buffer.from(hmac('sha1', secret, data, 'hex'), 'utf8').toString('base64'),
    // The official TypeScript library: digest('base64') of the raw 20 bytes (28 chars).
    ofBytes: hmac('sha1', secret, data, 'base64'),
  };
}

/** True when `signature` is either encoding. Both comparisons always run, in constant time. */
export function verifyZadarmaSignature(secret: string, data: string, signature: string | undefined): boolean {
  if (!signature) return false;
  const presented = signature.trim();
  const { ofHex, ofBytes } = zadarmaSignatures(secret, data);
  const hexOk = safeEqual(presented, ofHex);
  const bytesOk = safeEqual(presented, ofBytes);
  return hexOk || bytesOk;
}
