// The client side: answers a 401/407 challenge with an Authorization / Proxy-Authorization value.
// Tests use it against the verifier; the server will use it for its own REGISTERs and INVITEs to
// trunks.
import { randomBytes } from 'node:crypto';
import { parseDigestAlgorithm, type DigestAlgorithm } from './digest-algorithm.ts';
import { parseDigestChallenge, type DigestChallenge } from './digest-challenge.ts';
import { formatDigestCredentials } from './digest-credentials.ts';
import { DigestError } from './digest-error.ts';
import { computeDigestResponse } from './digest-response.ts';

export interface AnswerChallengeInput {
  /** The WWW-Authenticate or Proxy-Authenticate values of the response, in order. */
  readonly challenge: string | readonly string[];
  readonly method: string;
  /** The Request-URI of the request being re-sent. */
  readonly uri: string;
  readonly username: string;
  readonly password: string;
  /** How many requests (this one included) were sent with this nonce: 1 for the first. */
  readonly nc: number;
  /** Defaults to 16 random bytes in hex. */
  readonly cnonce?: string;
  /** Only answer challenges of this realm (a trunk account belongs to one). */
  readonly realm?: string;
  /** The body of the request, for qop=auth-int. */
  readonly body?: string | Uint8Array;
}

export interface ChallengeAnswer {
  /** The header value to send. */
  readonly value: string;
  readonly realm: string;
  readonly nonce: string;
  readonly algorithm: DigestAlgorithm;
  /** The qop used; undefined when the challenge had none (RFC 2069 form). */
  readonly qop: 'auth' | 'auth-int' | undefined;
  readonly nc: number;
  readonly cnonce: string | undefined;
  /** The challenge said stale=true: the password was right, only the nonce was old. */
  readonly stale: boolean;
}

/**
 * Builds credentials for the first challenge we can answer. Throws DigestError
 * DIGEST_NO_USABLE_CHALLENGE when none fits (its message lists why each was passed over), or
 * DIGEST_UNSERIALIZABLE when the username or URI holds a control character.
 */
export function answerChallenge(input: AnswerChallengeInput): ChallengeAnswer {
  if (!Number.isSafeInteger(input.nc) || input.nc < 1 || input.nc > 0xffffffff)
    throw new DigestError('DIGEST_INVALID_PARAM', 'nc must be an integer from 1 to 0xffffffff', 'nc');
  const values = typeof input.challenge === 'string' ? [input.challenge] : input.challenge;
  const skipped: string[] = [];
  // RFC 8760: the server lists its challenges most preferred first; use the topmost we support.
  for (const value of values) {
    let c: DigestChallenge;
    try {
      c = parseDigestChallenge(value);
    } catch (e) {
      if (!(e instanceof DigestError)) throw e;
      skipped.push(e.code);
      continue;
    }
    if (input.realm !== undefined && c.realm !== input.realm) {
      skipped.push(`realm ${c.realm}`);
      continue;
    }
    const algorithm = parseDigestAlgorithm(c.algorithm);
    if (algorithm === undefined) {
      skipped.push(`algorithm ${c.algorithm ?? ''}`);
      continue;
    }
    // RFC 3261 §22.4: a client offered qop must send qop; prefer auth, which needs no body.
    const qop = c.qop === undefined ? undefined : c.qop.includes('auth') ? 'auth' : c.qop.includes('auth-int') ? 'auth-int' : null;
    if (qop === null) {
      skipped.push(`qop ${c.qop?.join(',') ?? ''}`);
      continue;
    }
    // The -sess forms fold in a cnonce, which only travels with qop.
    if (qop === undefined && algorithm.endsWith('-sess')) {
      skipped.push(`${algorithm} without qop`);
      continue;
    }
    return answer(input, c, algorithm, qop);
  }
  throw new DigestError('DIGEST_NO_USABLE_CHALLENGE', `no challenge we can answer (${skipped.join('; ') || 'none given'})`);
}

function answer(input: AnswerChallengeInput, c: DigestChallenge, algorithm: DigestAlgorithm, qop: 'auth' | 'auth-int' | undefined): ChallengeAnswer {
  const cnonce = qop === undefined ? undefined : (input.cnonce ?? randomBytes(16).toString('hex'));
  const nc = qop === undefined ? undefined : input.nc.toString(16).padStart(8, '0');
  const response = computeDigestResponse({
    algorithm,
    username: input.username,
    realm: c.realm,
    secret: { password: input.password },
    nonce: c.nonce,
    method: input.method,
    uri: input.uri,
    qop,
    nc,
    cnonce,
    ...(input.body !== undefined && { body: input.body }),
  });
  const value = formatDigestCredentials({
    username: input.username,
    realm: c.realm,
    nonce: c.nonce,
    uri: input.uri,
    response,
    // RFC 7616 §3.4: algorithm and opaque are returned as the challenge gave them.
    ...(c.algorithm !== undefined && { algorithm: c.algorithm }),
    ...(cnonce !== undefined && { cnonce }),
    ...(c.opaque !== undefined && { opaque: c.opaque }),
    ...(qop !== undefined && { qop }),
    ...(nc !== undefined && { nc }),
  });
  return { value, realm: c.realm, nonce: c.nonce, algorithm, qop, nc: input.nc, cnonce, stale: c.stale };
}
