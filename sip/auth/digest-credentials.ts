// Digest credentials: the value of one Authorization or Proxy-Authorization header
// (RFC 7616 §3.4, RFC 3261 §25.1 digest-response).
import { DigestError } from './digest-error.ts';
import { isToken } from './digest-chars.ts';
import type { DigestLimits } from './digest-limits.ts';
import { parseDigestParams, type DigestParams } from './digest-param-parser.ts';
import { formatDigestParams } from './digest-param-serializer.ts';

export interface DigestCredentials {
  readonly username: string;
  readonly realm: string;
  readonly nonce: string;
  /** digest-uri: the Request-URI as the client saw it. */
  readonly uri: string;
  /** request-digest, hex as written. */
  readonly response: string;
  readonly algorithm?: string;
  /** The one qop chosen, as written; absent is the RFC 2069 form. */
  readonly qop?: string;
  /** nc-value as written: 8 hex digits. */
  readonly nc?: string;
  readonly cnonce?: string;
  readonly opaque?: string;
  readonly userhash: boolean;
}

export type DigestCredentialsInput = Omit<DigestCredentials, 'userhash'> & { readonly userhash?: boolean };

const NC = /^[0-9a-fA-F]{8}$/;
// 64 hex digits is SHA-256; 128 leaves room for SHA-512 without letting a peer send megabytes.
const RESPONSE = /^[0-9a-fA-F]{1,128}$/;

export function parseDigestCredentials(value: string, limits?: Pick<DigestLimits, 'maxValueLength' | 'maxParams'>): DigestCredentials {
  const p = parseDigestParams(value, limits);
  // RFC 7616 §3.4: username* (RFC 8187 encoding) is an alternative to username; we only take the plain one.
  if (p.has('username*')) throw new DigestError('DIGEST_INVALID_PARAM', 'username* is not supported', 'username*');
  const response = required(p, 'response');
  if (!RESPONSE.test(response)) throw new DigestError('DIGEST_INVALID_PARAM', 'response must be hex digits', 'response');
  const algorithm = p.get('algorithm');
  if (algorithm !== undefined && !isToken(algorithm)) throw new DigestError('DIGEST_INVALID_PARAM', 'algorithm must be a token', 'algorithm');
  const qop = p.get('qop');
  const nc = p.get('nc');
  const cnonce = p.get('cnonce');
  const opaque = p.get('opaque');
  if (qop !== undefined) {
    if (!isToken(qop)) throw new DigestError('DIGEST_INVALID_PARAM', 'qop must be one token', 'qop');
    // RFC 7616 §3.4: with qop, the client sends cnonce and nc.
    if (cnonce === undefined) throw new DigestError('DIGEST_MISSING_PARAM', 'qop without cnonce', 'cnonce');
    if (nc === undefined) throw new DigestError('DIGEST_MISSING_PARAM', 'qop without nc', 'nc');
  } else if (nc !== undefined || cnonce !== undefined) {
    // RFC 2617 §3.2.2: cnonce and nc are sent only together with qop.
    throw new DigestError('DIGEST_INVALID_PARAM', 'nc and cnonce come only with qop', nc !== undefined ? 'nc' : 'cnonce');
  }
  // nc-value = 8LHEX (RFC 7616 §3.4; upper case read too, as it hashes as written).
  if (nc !== undefined && !NC.test(nc)) throw new DigestError('DIGEST_INVALID_PARAM', 'nc must be 8 hex digits', 'nc');
  return {
    username: required(p, 'username'),
    realm: required(p, 'realm'),
    nonce: required(p, 'nonce'),
    uri: required(p, 'uri'),
    response,
    ...(algorithm !== undefined && { algorithm }),
    ...(qop !== undefined && { qop }),
    ...(nc !== undefined && { nc }),
    ...(cnonce !== undefined && { cnonce }),
    ...(opaque !== undefined && { opaque }),
    userhash: p.get('userhash')?.toLowerCase() === 'true',
  };
}

export function formatDigestCredentials(c: DigestCredentialsInput): string {
  if (c.nc !== undefined && !NC.test(c.nc)) throw new DigestError('DIGEST_UNSERIALIZABLE', 'nc must be 8 hex digits', 'nc');
  const entries: [string, string][] = [
    ['username', c.username],
    ['realm', c.realm],
    ['nonce', c.nonce],
    ['uri', c.uri],
    ['response', c.response],
  ];
  if (c.algorithm !== undefined) entries.push(['algorithm', c.algorithm]);
  if (c.cnonce !== undefined) entries.push(['cnonce', c.cnonce]);
  if (c.opaque !== undefined) entries.push(['opaque', c.opaque]);
  if (c.qop !== undefined) entries.push(['qop', c.qop]);
  if (c.nc !== undefined) entries.push(['nc', c.nc]);
  if (c.userhash) entries.push(['userhash', 'true']);
  return formatDigestParams('credentials', entries);
}

/** The numeric value of an nc-value (already checked to be 8 hex digits). */
export function nonceCountOf(nc: string): number {
  return Number.parseInt(nc, 16);
}

function required(p: DigestParams, name: string): string {
  const v = p.get(name);
  if (v === undefined) throw new DigestError('DIGEST_MISSING_PARAM', `credentials without ${name}`, name);
  return v;
}
