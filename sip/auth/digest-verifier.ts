// The server side of SIP digest authentication (RFC 3261 §22, RFC 7616, RFC 8760): builds
// challenges and checks credentials against an account lookup. It never throws on what a peer
// sends: every refusal is a `challenge` result carrying the header values to answer with, and a
// reason code for logs. The wire answer to an unknown user and to a wrong password is the same.
import { randomBytes } from 'node:crypto';
import type { Clock } from '../../lib/clock.ts';
import { authRoleFor } from './auth-role.ts';
import { constantTimeHexEqual } from './constant-time-equal.ts';
import { DIGEST_ALGORITHMS, hashHex, hashOf, parseDigestAlgorithm, type DigestAlgorithm } from './digest-algorithm.ts';
import { formatDigestChallenge } from './digest-challenge.ts';
import { nonceCountOf, parseDigestCredentials, type DigestCredentials } from './digest-credentials.ts';
import { DigestError } from './digest-error.ts';
import { resolveDigestLimits, type DigestLimits } from './digest-limits.ts';
import { computeDigestResponse } from './digest-response.ts';
import type { DigestSecret } from './digest-secret.ts';
import { NonceCodec } from './nonce-codec.ts';
import { NonceCountTable } from './nonce-count-table.ts';

export type DigestQop = 'auth' | 'auth-int';

export interface DigestVerifierOptions {
  readonly clock: Clock;
  /** HMAC key of the nonces (≥ 16 bytes). Absent: random at start; share one to let nodes accept each other's nonces. */
  readonly secret?: Uint8Array;
  /** How long a nonce is fresh. Default 300 s. */
  readonly nonceLifetimeMs?: number;
  readonly maxClockSkewMs?: number;
  /** Offered, one challenge header each, most preferred first. Default SHA-256 then MD5. */
  readonly algorithms?: readonly DigestAlgorithm[];
  /** qop options offered. Default ["auth"]; "auth-int" also needs the caller to pass the body. */
  readonly qop?: readonly DigestQop[];
  /**
   * Accept MD5 credentials without qop (the RFC 2069 form RFC 3261 §22.4 keeps receivable). Off by
   * default: such a nonce is single-use, and the response covers no client nonce.
   */
  readonly acceptRfc2069?: boolean;
  /** Nonces whose nc is tracked at once. Default 10,000. */
  readonly maxTrackedNonces?: number;
  readonly limits?: Partial<DigestLimits>;
  /**
   * Whether the credentials' digest-uri names the Request-URI. Default: the same string, which is
   * what UAs send; a caller with a SIP URI parser may pass RFC 3261 §19.1.4 equivalence instead.
   */
  readonly sameUri?: (digestUri: string, requestUri: string) => boolean;
}

export interface VerifyInput {
  readonly method: string;
  /** The Request-URI as received. */
  readonly requestUri: string;
  /** The protection domain: the account's SIP domain. */
  readonly realm: string;
  /** Every Authorization (REGISTER) or Proxy-Authorization (others) value of the request. */
  readonly credentials: string | readonly string[] | undefined;
  /** The account's secret by username, or undefined when there is no such account. */
  readonly lookup: (username: string) => DigestSecret | undefined | Promise<DigestSecret | undefined>;
  /** The body, for qop=auth-int. */
  readonly body?: string | Uint8Array;
}

export type ChallengeReason =
  | 'MISSING_CREDENTIALS'
  /** Credentials that do not parse, use another scheme, or use a parameter we did not offer. */
  | 'MALFORMED_CREDENTIALS'
  | 'REALM_MISMATCH'
  | 'BAD_USERNAME'
  | 'ALGORITHM_NOT_OFFERED'
  | 'QOP_NOT_OFFERED'
  | 'URI_MISMATCH'
  /** Not a nonce of ours, or of another realm. */
  | 'NONCE_INVALID'
  | 'UNKNOWN_USER'
  /** A stored-HA1 account without an HA1 for the hash the client chose. */
  | 'NO_SECRET_FOR_ALGORITHM'
  | 'WRONG_RESPONSE'
  /** Right credentials, expired nonce: stale=true. */
  | 'NONCE_STALE'
  /** Right credentials, nc not above the last seen: stale=true. */
  | 'NONCE_REPLAYED'
  /** Right credentials, but the nonce table may have dropped this nonce: stale=true. */
  | 'NONCE_FORGOTTEN';

export interface AuthChallenge {
  readonly kind: 'challenge';
  readonly reason: ChallengeReason;
  readonly status: 401 | 407;
  readonly reasonPhrase: 'Unauthorized' | 'Proxy Authentication Required';
  readonly header: 'WWW-Authenticate' | 'Proxy-Authenticate';
  /** One header field per value, in this order. */
  readonly values: readonly string[];
  readonly stale: boolean;
  /** The username the credentials claimed, once it passed the charset check: for logs only. */
  readonly username?: string;
  /** What was wrong with the header, for MALFORMED_CREDENTIALS. */
  readonly error?: DigestError;
}

export interface AuthOk {
  readonly kind: 'ok';
  readonly username: string;
  readonly algorithm: DigestAlgorithm;
  readonly qop: DigestQop | undefined;
  readonly nc: number | undefined;
}

export type VerifyResult = AuthOk | AuthChallenge;

// RFC 3261 §25.1 user characters (unreserved, escaped, user-unreserved) plus "@", which many
// phones put in an auth username. Anything else cannot name one of our accounts.
const USERNAME = /^(?:[A-Za-z0-9\-_.!~*'()&=+$,;?/@]|%[0-9A-Fa-f]{2})+$/;

export class DigestVerifier {
  readonly algorithms: readonly DigestAlgorithm[];
  readonly qop: readonly DigestQop[];
  readonly acceptRfc2069: boolean;
  readonly limits: DigestLimits;
  readonly #codec: NonceCodec;
  readonly #counts: NonceCountTable;
  readonly #sameUri: (digestUri: string, requestUri: string) => boolean;
  /** Verifies unknown users against this, so they take the same path as known ones. */
  readonly #dummy: DigestSecret = { password: randomBytes(16).toString('hex') };

  constructor(opts: DigestVerifierOptions) {
    this.algorithms = Object.freeze([...(opts.algorithms ?? ['SHA-256', 'MD5'])]);
    this.qop = Object.freeze([...(opts.qop ?? ['auth'])]);
    if (this.algorithms.length === 0 || new Set(this.algorithms).size !== this.algorithms.length || !this.algorithms.every((a) => DIGEST_ALGORITHMS.includes(a)))
      throw new RangeError('algorithms must list distinct supported algorithms');
    if (this.qop.length === 0 || new Set(this.qop).size !== this.qop.length || !this.qop.every((q) => q === 'auth' || q === 'auth-int'))
      throw new RangeError('qop must list "auth" and/or "auth-int"');
    this.acceptRfc2069 = opts.acceptRfc2069 ?? false;
    this.limits = resolveDigestLimits(opts.limits);
    this.#codec = new NonceCodec({
      clock: opts.clock,
      ...(opts.secret !== undefined && { secret: opts.secret }),
      ...(opts.nonceLifetimeMs !== undefined && { lifetimeMs: opts.nonceLifetimeMs }),
      ...(opts.maxClockSkewMs !== undefined && { maxClockSkewMs: opts.maxClockSkewMs }),
    });
    this.#counts = new NonceCountTable({ clock: opts.clock, ...(opts.maxTrackedNonces !== undefined && { maxEntries: opts.maxTrackedNonces }) });
    this.#sameUri = opts.sameUri ?? ((a, b) => a === b);
  }

  /** Nonces whose nc is being tracked: for metrics and tests. */
  get trackedNonces(): number {
    return this.#counts.size;
  }

  /**
   * A fresh challenge for a request: one header value per offered algorithm, sharing one nonce.
   * Throws a RangeError for ACK and CANCEL, which cannot be challenged.
   */
  challenge(method: string, realm: string, reason: ChallengeReason = 'MISSING_CREDENTIALS', extra: Partial<Pick<AuthChallenge, 'username' | 'error'>> = {}): AuthChallenge {
    const role = authRoleFor(method);
    if (role === undefined) throw new RangeError(`${method} cannot be challenged`);
    const stale = reason === 'NONCE_STALE' || reason === 'NONCE_REPLAYED' || reason === 'NONCE_FORGOTTEN';
    const nonce = this.#codec.issue(realm);
    // RFC 8760: one header per algorithm, all of the same realm, most preferred on top.
    // RFC 3261 §22.4: a server always sends qop, even to clients that may answer without it.
    const values = this.algorithms.map((algorithm) => formatDigestChallenge({ realm, nonce, algorithm, qop: this.qop, stale }));
    return {
      kind: 'challenge',
      reason,
      status: role.status,
      reasonPhrase: role.reason,
      header: role.challengeHeader,
      values,
      stale,
      ...extra,
    };
  }

  async verify(input: VerifyInput): Promise<VerifyResult> {
    const { method, realm } = input;
    const refuse = (reason: ChallengeReason, extra: Partial<Pick<AuthChallenge, 'username' | 'error'>> = {}) =>
      this.challenge(method, realm, reason, extra);
    if (authRoleFor(method) === undefined) throw new RangeError(`${method} cannot be challenged`);

    const picked = this.#pick(input.credentials, realm);
    if (picked.kind !== 'found') return refuse(picked.reason, picked.error !== undefined ? { error: picked.error } : {});
    const creds = picked.credentials;

    // We never offer userhash, so credentials using it answer some other challenge.
    if (creds.userhash) return refuse('MALFORMED_CREDENTIALS', { error: new DigestError('DIGEST_INVALID_PARAM', 'userhash was not offered', 'userhash') });
    if (creds.username.length > this.limits.maxUsernameLength || !USERNAME.test(creds.username)) return refuse('BAD_USERNAME');
    const username = creds.username;

    // RFC 7616 §3.4: the algorithm must be one the server offered (absent means MD5).
    const algorithm = parseDigestAlgorithm(creds.algorithm);
    if (algorithm === undefined || !this.algorithms.includes(algorithm)) return refuse('ALGORITHM_NOT_OFFERED', { username });

    // RFC 7616 §3.4: qop must be one of the offered options. Without qop (RFC 2069), only when
    // enabled and only for plain MD5: the -sess and SHA-256 forms are defined with qop alone.
    let qop: DigestQop | undefined;
    if (creds.qop === undefined) {
      if (!this.acceptRfc2069 || algorithm !== 'MD5') return refuse('QOP_NOT_OFFERED', { username });
    } else {
      const chosen = this.qop.find((q) => q === creds.qop?.toLowerCase());
      if (chosen === undefined) return refuse('QOP_NOT_OFFERED', { username });
      qop = chosen;
    }
    const nc = creds.nc === undefined ? undefined : nonceCountOf(creds.nc);
    // RFC 7616 §3.4: the first request with a nonce counts 00000001; zero is never valid.
    if (nc === 0) return refuse('MALFORMED_CREDENTIALS', { username, error: new DigestError('DIGEST_INVALID_PARAM', 'nc must start at 1', 'nc') });

    // RFC 2617 §3.2.2.5: the digest-uri must name the Request-URI, or the response could be
    // lifted onto another request.
    if (!this.#sameUri(creds.uri, input.requestUri)) return refuse('URI_MISMATCH', { username });

    const nonce = this.#codec.check(creds.nonce, realm);
    if (nonce.kind === 'invalid') return refuse('NONCE_INVALID', { username });

    const found = await input.lookup(username);
    // An unknown user is checked against a dummy secret: same work, same answer, no enumeration.
    let secret: DigestSecret = found ?? this.#dummy;
    let missingHa1 = false;
    const hash = hashOf(algorithm);
    if ('ha1' in secret) {
      // The password form hashes once more to get HA1; match its cost.
      hashHex(hash, `${username}:${realm}:`);
      if (secret.ha1[hash] === undefined) {
        missingHa1 = true;
        secret = this.#dummy;
      }
    }
    const expected = computeDigestResponse({
      algorithm,
      username,
      realm,
      secret,
      nonce: creds.nonce,
      method,
      uri: creds.uri,
      qop: creds.qop,
      nc: creds.nc,
      cnonce: creds.cnonce,
      ...(input.body !== undefined && { body: input.body }),
    });
    const matches = constantTimeHexEqual(creds.response, expected);
    if (found === undefined) return refuse('UNKNOWN_USER', { username });
    if (missingHa1) return refuse('NO_SECRET_FOR_ALGORITHM', { username });
    if (!matches) return refuse('WRONG_RESPONSE', { username });

    // RFC 7616 §3.3: stale=true only when the nonce expired but the digest was right, so the
    // device retries with the new nonce instead of asking its user for a password.
    if (nonce.kind === 'stale') return refuse('NONCE_STALE', { username });

    // RFC 7616 §3.4: an nc the server has already seen with this nonce is a replay. Without qop
    // there is no nc: the nonce is single-use (counted as 1), and reuse earns a fresh one.
    const verdict = this.#counts.advance(creds.nonce, nc ?? 1, nonce.issuedAt, nonce.expiresAt);
    if (verdict === 'replayed') return refuse('NONCE_REPLAYED', { username });
    if (verdict === 'forgotten') return refuse('NONCE_FORGOTTEN', { username });

    return { kind: 'ok', username, algorithm, qop, nc };
  }

  /**
   * RFC 3261 §22.3: with several credentials, use the one for our realm; the others belong to
   * other hops. A parse failure only counts when nothing usable is found.
   */
  #pick(
    credentials: string | readonly string[] | undefined,
    realm: string,
  ): { kind: 'found'; credentials: DigestCredentials } | { kind: 'none'; reason: ChallengeReason; error?: DigestError } {
    const values = credentials === undefined ? [] : typeof credentials === 'string' ? [credentials] : credentials;
    if (values.length === 0) return { kind: 'none', reason: 'MISSING_CREDENTIALS' };
    let error: DigestError | undefined;
    let otherRealm = false;
    for (const value of values) {
      try {
        const parsed = parseDigestCredentials(value, this.limits);
        if (parsed.realm === realm) return { kind: 'found', credentials: parsed };
        otherRealm = true;
      } catch (e) {
        if (!(e instanceof DigestError)) throw e;
        error ??= e;
      }
    }
    if (otherRealm) return { kind: 'none', reason: 'REALM_MISMATCH' };
    return { kind: 'none', reason: 'MALFORMED_CREDENTIALS', ...(error !== undefined && { error }) };
  }
}
