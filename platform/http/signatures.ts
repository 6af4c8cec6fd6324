import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export type HmacAlgorithm = 'sha1' | 'sha256' | 'sha512';
export type DigestEncoding = 'hex' | 'base64';

function digest(value: string | Buffer): Buffer {
  return createHash('sha256').update(value).digest();
}

/**
 * Compares two secrets in constant time. Both sides are hashed first: timingSafeEqual needs equal
 * lengths, and comparing lengths directly would tell an attacker how long the secret is.
 */
export function safeEqual(a: string | Buffer, b: string | Buffer): boolean {
  return timingSafeEqual(digest(a), digest(b));
}

export function hmac(algorithm: HmacAlgorithm, secret: string | Buffer, data: string | Buffer, encoding: DigestEncoding = 'hex'): string {
  return createHmac(algorithm, secret).update(data).digest(encoding);
}

export interface VerifyHmacOptions {
  secret: string | Buffer;
  /** The exact bytes the provider signed (the raw body, never a re-serialised parse). */
  data: string | Buffer;
  /** The header value as received, e.g. `sha256=ab12…`; undefined or empty fails. */
  signature: string | undefined;
  algorithm?: HmacAlgorithm;
  encoding?: DigestEncoding;
  /** Expected scheme prefix (`sha256=`); when set, a header without it fails. */
  prefix?: string;
}

/** Checks a provider's HMAC header against the raw body. Never throws: a malformed header is just a mismatch. */
export function verifyHmac(options: VerifyHmacOptions): boolean {
  const { secret, data, signature, algorithm = 'sha256', encoding = 'hex', prefix } = options;
  if (!signature) return false;
  let presented = signature.trim();
  if (prefix) {
    if (!presented.toLowerCase().startsWith(prefix.toLowerCase())) return false;
    presented = presented.slice(prefix.length);
  }
  // Hex is case-insensitive on the wire; base64 is not.
  if (encoding === 'hex') presented = presented.toLowerCase();
  return safeEqual(presented, hmac(algorithm, secret, data, encoding));
}
