// A Digest challenge: the value of one WWW-Authenticate or Proxy-Authenticate header
// (RFC 7616 §3.3, RFC 3261 §25.1 digest-cln). One challenge per header line in SIP: the commas
// inside separate parameters, not challenges.
import { DigestError } from './digest-error.ts';
import { isToken } from './digest-chars.ts';
import type { DigestLimits } from './digest-limits.ts';
import { parseDigestParams, type DigestParams } from './digest-param-parser.ts';
import { formatDigestParams } from './digest-param-serializer.ts';

export interface DigestChallenge {
  readonly realm: string;
  readonly nonce: string;
  /** The algorithm token as written; absent means MD5 (RFC 7616 §3.3). */
  readonly algorithm?: string;
  /** qop options in order; absent is the RFC 2069 form, which we never send but may receive. */
  readonly qop?: readonly string[];
  readonly opaque?: string;
  readonly domain?: string;
  /** True only when stale=true: the nonce expired, the credentials were right. */
  readonly stale: boolean;
  readonly userhash: boolean;
}

export type DigestChallengeInput = Omit<DigestChallenge, 'stale' | 'userhash'> & { readonly stale?: boolean; readonly userhash?: boolean };

export function parseDigestChallenge(value: string, limits?: Pick<DigestLimits, 'maxValueLength' | 'maxParams'>): DigestChallenge {
  const p = parseDigestParams(value, limits);
  const algorithm = optionalToken(p, 'algorithm');
  const qop = p.get('qop');
  const opaque = p.get('opaque');
  const domain = p.get('domain');
  return {
    // RFC 7616 §3.3: realm and nonce are required in a challenge.
    realm: required(p, 'realm'),
    nonce: required(p, 'nonce'),
    ...(algorithm !== undefined && { algorithm }),
    ...(qop !== undefined && { qop: parseQopOptions(qop) }),
    ...(opaque !== undefined && { opaque }),
    ...(domain !== undefined && { domain }),
    // RFC 7616 §3.3: stale is case-insensitive, and anything other than "true" means false.
    stale: p.get('stale')?.toLowerCase() === 'true',
    userhash: p.get('userhash')?.toLowerCase() === 'true',
  };
}

export function formatDigestChallenge(c: DigestChallengeInput): string {
  const entries: [string, string][] = [['realm', c.realm]];
  if (c.domain !== undefined) entries.push(['domain', c.domain]);
  entries.push(['nonce', c.nonce]);
  if (c.opaque !== undefined) entries.push(['opaque', c.opaque]);
  if (c.stale) entries.push(['stale', 'true']);
  if (c.algorithm !== undefined) entries.push(['algorithm', c.algorithm]);
  if (c.qop !== undefined) {
    if (c.qop.length === 0 || !c.qop.every(isToken)) throw new DigestError('DIGEST_UNSERIALIZABLE', 'qop must list tokens', 'qop');
    entries.push(['qop', c.qop.join(',')]);
  }
  if (c.userhash) entries.push(['userhash', 'true']);
  return formatDigestParams('challenge', entries);
}

/** qop-options: a quoted, comma-separated list of tokens, whitespace allowed around the commas. */
function parseQopOptions(value: string): string[] {
  const options = value.split(',').map((o) => o.replace(/^[ \t]+|[ \t]+$/g, ''));
  if (!options.every(isToken)) throw new DigestError('DIGEST_INVALID_PARAM', 'qop must be a list of tokens', 'qop');
  return options;
}

function required(p: DigestParams, name: string): string {
  const v = p.get(name);
  if (v === undefined) throw new DigestError('DIGEST_MISSING_PARAM', `challenge without ${name}`, name);
  return v;
}

/** A parameter the grammar makes a token; a quoted token is read too, as senders do quote them. */
function optionalToken(p: DigestParams, name: string): string | undefined {
  const v = p.get(name);
  if (v !== undefined && !isToken(v)) throw new DigestError('DIGEST_INVALID_PARAM', `${name} must be a token`, name);
  return v;
}
