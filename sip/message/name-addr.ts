// name-addr / addr-spec with header parameters (RFC 3261 §20.10, §25): From, To, Contact, Route,
// Record-Route, Reply-To, Refer-To (RFC 3515), Referred-By (RFC 3892), P-Asserted-Identity.
import { Cursor, MAX_UINT32, TOKEN, formatParams, has, parseDigits, quote, readParams, unquote, type Params } from './grammar.ts';
import { formatUri, parseUri, type Uri } from './uri.ts';

export interface NameAddr {
  /** The display name without quotes or quoted-pair escapes; undefined when there is none. */
  readonly displayName: string | undefined;
  readonly uri: Uri;
  /** Header parameters (not URI parameters), names lower-cased, values as written. */
  readonly params: Params;
  /** The tag parameter (§19.3), when present. */
  readonly tag: string | undefined;
}

export interface Contact extends NameAddr {
  /** The expires parameter in seconds (§20.10). */
  readonly expires: number | undefined;
  /** The q parameter, 0 to 1 (§20.10). */
  readonly q: number | undefined;
}

const QVALUE = /^(0(\.[0-9]{0,3})?|1(\.0{0,3})?)$/;

/**
 * Reads `[display-name] LAQUOT addr-spec RAQUOT` or, when allowed, a bare addr-spec. Returns the
 * display name and URI, leaving the cursor before the parameters.
 */
function readAddress(c: Cursor, allowAddrSpec: boolean): { displayName: string | undefined; uri: Uri } {
  c.sws();
  let displayName: string | undefined;
  const first = c.peek();
  if (first === 0x22) {
    displayName = unquote(c.quoted());
    c.sws();
  } else if (first !== 0x3c) {
    // display-name = *(token LWS): tokens up to "<"; a single token followed by ":" is a URI scheme.
    const start = c.i;
    let end = start;
    let tokens = 0;
    while (has(c.peek(), TOKEN)) {
      c.token();
      end = c.i;
      tokens++;
      c.sws();
    }
    const next = c.peek();
    if (next === 0x3c && tokens > 0) displayName = c.s.slice(start, end);
    else if (next === 0x3a && tokens === 1 && end === c.i && allowAddrSpec) {
      // addr-spec: the URI runs to the first ";" or white space. §20.10: a URI holding a comma,
      // question mark or semicolon must be in angle brackets, so those end or break it.
      c.i = start;
      while (!c.done) {
        const ch = c.peek();
        if (ch === 0x3b || ch === 0x20 || ch === 0x09) break;
        if (ch === 0x2c || ch === 0x3f) c.fail();
        c.i++;
      }
      return { displayName: undefined, uri: parseUri(c.s.slice(start, c.i), c.header) };
    } else c.fail();
  }
  // LAQUOT = SWS "<"; nothing may sit between the brackets and the URI (RFC 4475 §3.1.2.14).
  if (c.peek() !== 0x3c) c.fail();
  const close = c.s.indexOf('>', c.i);
  if (close < 0) c.fail();
  const uri = parseUri(c.s.slice(c.i + 1, close), c.header);
  c.i = close + 1;
  return { displayName, uri };
}

function finish(c: Cursor, displayName: string | undefined, uri: Uri): NameAddr & { params: Map<string, string | null> } {
  const params = new Map<string, string | null>();
  readParams(c, params);
  c.end();
  const tag = params.get('tag');
  // tag-param = "tag" EQUAL token
  if (tag === null || (tag !== undefined && tag.charCodeAt(0) === 0x22)) c.fail();
  return { displayName, uri, params, tag };
}

/**
 * Parses a name-addr or addr-spec with parameters. `header` names the header for error reasons.
 * Route and Record-Route allow only the name-addr form (§20.30, §20.34): pass addrSpec false.
 */
export function parseNameAddr(value: string, header: string, addrSpec = true): NameAddr {
  const c: Cursor = new Cursor(value, header);
  const { displayName, uri } = readAddress(c, addrSpec);
  return finish(c, displayName, uri);
}

/** One Contact value (§20.10), or "*" for the wildcard of a REGISTER that removes all bindings. */
export function parseContact(value: string): Contact | '*' {
  if (value === '*') return '*';
  const c: Cursor = new Cursor(value, 'Contact');
  const { displayName, uri } = readAddress(c, true);
  const na = finish(c, displayName, uri);
  let expires: number | undefined;
  let q: number | undefined;
  const e = na.params.get('expires');
  if (e !== undefined) {
    // c-p-expires = "expires" EQUAL delta-seconds, delta-seconds at most 2^32-1 (RFC 4475 §3.1.2.4)
    expires = e === null ? undefined : parseDigits(e, MAX_UINT32);
    if (expires === undefined) c.fail();
  }
  const qv = na.params.get('q');
  if (qv !== undefined) {
    if (qv === null || !QVALUE.test(qv)) c.fail();
    q = Number(qv);
  }
  return { ...na, expires, q };
}

/** Writes a name-addr, always in angle brackets so any URI is safe. */
export function formatNameAddr(na: { displayName?: string | undefined; uri: Uri; params?: Params }): string {
  const dn = na.displayName !== undefined ? quote(na.displayName) + ' ' : '';
  return `${dn}<${formatUri(na.uri)}>${na.params ? formatParams(na.params) : ''}`;
}

/** A copy of a name-addr with one header parameter set (null for a flag); e.g. the To tag. */
export function withParam<T extends NameAddr>(na: T, name: string, value: string | null): T {
  const params = new Map(na.params);
  params.set(name.toLowerCase(), value);
  const tag = name.toLowerCase() === 'tag' ? (value ?? undefined) : na.tag;
  return { ...na, params, tag };
}
