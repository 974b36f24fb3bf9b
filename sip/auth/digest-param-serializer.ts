// Writes a Digest challenge or credentials value. RFC 7616 §3.3/§3.4 (and RFC 3261 §25.1) fix
// which parameters are quoted-strings and which are bare tokens; a peer may be strict about either,
// so this follows the grammar exactly instead of "quote when needed".
import { DigestError } from './digest-error.ts';
import { indexOfForbiddenControl, isToken, quoteString } from './digest-chars.ts';

export type DigestParamKind = 'challenge' | 'credentials';

// Quoted: realm, domain, nonce, opaque and qop (a quoted list of options) in a challenge; username,
// realm, nonce, uri, response, cnonce and opaque in credentials. Every parameter not listed below
// is written quoted, which covers those and any extension.
// Must not be quoted: algorithm and stale, charset and userhash in challenges; algorithm, the one
// chosen qop, nc and userhash in credentials.
const BARE: Record<DigestParamKind, ReadonlySet<string>> = {
  challenge: new Set(['algorithm', 'stale', 'charset', 'userhash']),
  credentials: new Set(['algorithm', 'qop', 'nc', 'userhash']),
};

/**
 * `Digest name=value, …` in the order given. Names are written lower-case. Any parameter that is
 * not bare is quoted, extensions included: auth-param allows a quoted-string everywhere.
 */
export function formatDigestParams(kind: DigestParamKind, entries: Iterable<readonly [string, string]>): string {
  const parts: string[] = [];
  const seen = new Set<string>();
  for (const [rawName, value] of entries) {
    const name = rawName.toLowerCase();
    if (!isToken(name)) throw new DigestError('DIGEST_UNSERIALIZABLE', `parameter name ${JSON.stringify(rawName)} is not a token`);
    if (seen.has(name)) throw new DigestError('DIGEST_DUPLICATE_PARAM', `parameter ${name} given twice`, name);
    seen.add(name);
    if (BARE[kind].has(name)) {
      if (!isToken(value)) throw new DigestError('DIGEST_UNSERIALIZABLE', `${name} must be a token`, name);
      parts.push(`${name}=${value}`);
    } else {
      // A CR or LF here would end the header line and let the value inject headers.
      if (indexOfForbiddenControl(value) >= 0)
        throw new DigestError('DIGEST_UNSERIALIZABLE', `${name} holds a control character`, name);
      parts.push(`${name}=${quoteString(value)}`);
    }
  }
  if (parts.length === 0) throw new DigestError('DIGEST_UNSERIALIZABLE', 'Digest needs at least one parameter');
  return `Digest ${parts.join(', ')}`;
}
