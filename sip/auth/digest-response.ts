// The digest computation (RFC 7616 §3.4.1-§3.4.3, RFC 2617 §3.2.2.1 for the no-qop form of
// RFC 2069). Shared by the verifier and the client, so both sides hash the same bytes.
import { DigestError } from './digest-error.ts';
import { hashHex, hashOf, isSessionAlgorithm, type DigestAlgorithm } from './digest-algorithm.ts';
import type { DigestSecret } from './digest-secret.ts';

export interface DigestResponseInput {
  readonly algorithm: DigestAlgorithm;
  readonly username: string;
  readonly realm: string;
  readonly secret: DigestSecret;
  readonly nonce: string;
  readonly method: string;
  /** The digest-uri, as written in the credentials. */
  readonly uri: string;
  /** "auth" or "auth-int" as written, or undefined for the RFC 2069 form. */
  readonly qop: string | undefined;
  /** nc as written: 8 hex digits. Required with qop. */
  readonly nc: string | undefined;
  /** Required with qop and with every "-sess" algorithm. */
  readonly cnonce: string | undefined;
  /** The message body, for qop=auth-int; absent means empty. */
  readonly body?: string | Uint8Array;
}

/** HA1 of the algorithm's hash function, or undefined when a stored-HA1 secret lacks that one. */
export function baseHa1(input: Pick<DigestResponseInput, 'algorithm' | 'username' | 'realm' | 'secret'>): string | undefined {
  const hash = hashOf(input.algorithm);
  if ('password' in input.secret) return hashHex(hash, `${input.username}:${input.realm}:${input.secret.password}`);
  return input.secret.ha1[hash]?.toLowerCase();
}

/**
 * request-digest as lower-case hex. Throws a DigestError when a parameter the form needs is absent
 * (callers check first; this guards against a silent wrong answer), or when an HA1 is missing.
 */
export function computeDigestResponse(input: DigestResponseInput): string {
  const hash = hashOf(input.algorithm);
  let ha1 = baseHa1(input);
  if (ha1 === undefined) throw new DigestError('DIGEST_MISSING_PARAM', `no ${hash} HA1 for this account`);
  // RFC 7616 §3.4.2: with a "-sess" algorithm, A1 also takes the nonce and cnonce, once per session.
  if (isSessionAlgorithm(input.algorithm)) {
    if (input.cnonce === undefined) throw new DigestError('DIGEST_MISSING_PARAM', `${input.algorithm} needs a cnonce`, 'cnonce');
    ha1 = hashHex(hash, `${ha1}:${input.nonce}:${input.cnonce}`);
  }
  // RFC 7616 §3.4.3: A2 is method:uri, and for auth-int also H(body).
  const qop = input.qop?.toLowerCase();
  const a2 = qop === 'auth-int' ? `${input.method}:${input.uri}:${hashHex(hash, input.body ?? '')}` : `${input.method}:${input.uri}`;
  const ha2 = hashHex(hash, a2);
  // RFC 2617 §3.2.2.1: without qop the response is H(HA1:nonce:HA2), the RFC 2069 form.
  if (input.qop === undefined) return hashHex(hash, `${ha1}:${input.nonce}:${ha2}`);
  if (input.nc === undefined || input.cnonce === undefined)
    throw new DigestError('DIGEST_MISSING_PARAM', 'qop needs nc and cnonce', input.nc === undefined ? 'nc' : 'cnonce');
  // RFC 7616 §3.4.1: with qop, H(HA1:nonce:nc:cnonce:qop:HA2).
  return hashHex(hash, `${ha1}:${input.nonce}:${input.nc}:${input.cnonce}:${input.qop}:${ha2}`);
}
