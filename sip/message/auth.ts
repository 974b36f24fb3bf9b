// Authentication headers (RFC 3261 §20.7, §20.27, §20.28, §20.44, §22.4; RFC 7616 and RFC 8760 for
// SHA-256): WWW-Authenticate and Proxy-Authenticate carry a challenge, Authorization and
// Proxy-Authorization credentials. Each is one value per header line: their commas separate
// parameters, never values (§7.3.1), so these headers are not split.
import { Cursor, isToken, quote, unquote } from './grammar.ts';

export interface AuthValue {
  /** "Digest", or another scheme as written (RFC 4475 §3.3.7: an unknown scheme still parses). */
  readonly scheme: string;
  /** Parameters, names lower-cased, values without quotes: realm, nonce, algorithm, qop, ... */
  readonly params: ReadonlyMap<string, string>;
}

/**
 * challenge = auth-scheme LWS auth-param *(COMMA auth-param), and credentials alike;
 * auth-param = auth-param-name EQUAL ( token / quoted-string ). `header` names the header for errors.
 */
export function parseAuth(value: string, header: string): AuthValue {
  const c: Cursor = new Cursor(value, header);
  c.sws();
  const scheme = c.token();
  c.lws();
  const params = new Map<string, string>();
  do {
    const name = c.token().toLowerCase();
    c.expect(0x3d);
    const v = c.peek() === 0x22 ? unquote(c.quoted()) : c.token();
    // RFC 7616 §3.3: a parameter appears at most once.
    if (params.has(name)) c.fail();
    params.set(name, v);
  } while (c.eat(0x2c));
  c.end();
  return { scheme, params };
}

// Which parameters are written as quoted-strings (RFC 7616 §3.3, §3.4; RFC 3261 §25 digest-cln
// and dig-resp). The others are tokens: algorithm, stale, nc, qop in credentials, userhash.
const QUOTED_IN_CHALLENGE = new Set(['realm', 'domain', 'nonce', 'opaque', 'qop']);
const QUOTED_IN_CREDENTIALS = new Set(['username', 'realm', 'nonce', 'uri', 'response', 'cnonce', 'opaque']);

function format(v: AuthValue, quoted: ReadonlySet<string>): string {
  const parts: string[] = [];
  for (const [k, val] of v.params) {
    parts.push(`${k}=${quoted.has(k) || !isToken(val) ? quote(val) : val}`);
  }
  return `${v.scheme} ${parts.join(', ')}`;
}

/** Writes a WWW-Authenticate / Proxy-Authenticate value. */
export function formatChallenge(v: AuthValue): string {
  return format(v, QUOTED_IN_CHALLENGE);
}

/** Writes an Authorization / Proxy-Authorization value. */
export function formatCredentials(v: AuthValue): string {
  return format(v, QUOTED_IN_CREDENTIALS);
}
