// The digest algorithms we compute (RFC 7616 §3.4.2, §6.1; RFC 8760 for SIP): MD5 and SHA-256,
// each with its "-sess" variant. SHA-512-256 is registered too but not implemented here.
import { hash } from 'node:crypto';

/** In the order a challenge offers them by default: strongest first (RFC 8760, UAS behaviour: most preferred on top). */
export const DIGEST_ALGORITHMS = ['SHA-256', 'SHA-256-sess', 'MD5', 'MD5-sess'] as const;
export type DigestAlgorithm = (typeof DIGEST_ALGORITHMS)[number];

/** The hash function under an algorithm; HA1 values are stored per hash function. */
export type DigestHash = 'MD5' | 'SHA-256';

const BY_LOWER = new Map<string, DigestAlgorithm>(DIGEST_ALGORITHMS.map((a) => [a.toLowerCase(), a]));

/**
 * The algorithm an `algorithm` parameter names, matched case-insensitively; undefined for one we do
 * not implement. RFC 7616 §3.3: an absent parameter means MD5, so `undefined` in gives 'MD5' out.
 */
export function parseDigestAlgorithm(token: string | undefined): DigestAlgorithm | undefined {
  if (token === undefined) return 'MD5';
  return BY_LOWER.get(token.toLowerCase());
}

export function hashOf(algorithm: DigestAlgorithm): DigestHash {
  return algorithm.startsWith('SHA-256') ? 'SHA-256' : 'MD5';
}

/** "-sess" variants fold the nonce and cnonce into HA1 (RFC 7616 §3.4.2). */
export function isSessionAlgorithm(algorithm: DigestAlgorithm): boolean {
  return algorithm.endsWith('-sess');
}

const NODE_NAME: Record<DigestHash, string> = { MD5: 'md5', 'SHA-256': 'sha256' };

/** H(data) as lower-case hex; strings are hashed as UTF-8. */
export function hashHex(fn: DigestHash, data: string | Uint8Array): string {
  // The one-shot form: no Hash object per call (a verified call takes four or five of these).
  return hash(NODE_NAME[fn], data, 'hex');
}

/** Length of H(...) in hex digits: what a `response` must measure. */
export function hexLength(hash: DigestHash): number {
  return hash === 'MD5' ? 32 : 64;
}
