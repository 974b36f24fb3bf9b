// URIs (RFC 3261 §19.1, §25; tel: RFC 3966). SIP, SIPS and tel URIs are parsed into parts with
// escapes decoded; any other scheme is kept whole (RFC 4475 §3.3.2-3.3.4: an unknown scheme is a
// 416 for the application to give, not a parse error).
import { isIPv6 } from 'node:net';
import { malformed } from './errors.ts';
import {
  ALPHA,
  DIGIT,
  HNV,
  PARAMCHAR,
  PASSWORD,
  SCHEME,
  URIC,
  USER,
  allOf,
  allOfEscaped,
  escapeUri,
  has,
  parseDigits,
  unescapeUri,
  type Params,
} from './grammar.ts';

export interface SipUri {
  readonly kind: 'sip';
  readonly scheme: 'sip' | 'sips' | 'tel';
  /** The user part with escapes decoded; for tel: the telephone-subscriber number. */
  readonly user: string | undefined;
  readonly password: string | undefined;
  /** Host name, IPv4 address or IPv6 reference with its brackets; empty for tel. */
  readonly host: string;
  readonly port: number | undefined;
  /** uri-parameters, names lower-cased, escapes decoded; `null` for a parameter without value. */
  readonly params: Params;
  /** headers after "?", in order, escapes decoded; a name may repeat. */
  readonly headers: readonly (readonly [string, string])[];
}

/** A URI of another scheme, kept as written after the colon. */
export interface AbsoluteUri {
  readonly kind: 'absolute';
  /** Lower case: schemes compare case-insensitively. */
  readonly scheme: string;
  readonly value: string;
}

export type Uri = SipUri | AbsoluteUri;

const TEL_GLOBAL = /^\+[0-9().-]*[0-9][0-9().-]*$/;
const TEL_LOCAL = /^[0-9A-Fa-f*#().-]*[0-9A-Fa-f*#][0-9A-Fa-f*#().-]*$/;

/** IPv4address = 1*3DIGIT "." 1*3DIGIT "." 1*3DIGIT "." 1*3DIGIT, each octet at most 255. */
export function isIPv4(s: string): boolean {
  let parts = 0;
  let digits = 0;
  let octet = 0;
  for (let i = 0; i <= s.length; i++) {
    const c = i < s.length ? s.charCodeAt(i) : 0x2e;
    if (c === 0x2e) {
      if (digits === 0 || octet > 255 || ++parts > 4) return false;
      digits = octet = 0;
    } else if (c >= 0x30 && c <= 0x39) {
      if (++digits > 3) return false;
      octet = octet * 10 + c - 0x30;
    } else return false;
  }
  return parts === 4;
}

/**
 * host = hostname / IPv4address / IPv6reference. hostname = *(domainlabel ".") toplabel ["."],
 * labels of alphanumerics and inner hyphens, the top label starting with a letter.
 */
export function isValidHost(host: string): boolean {
  const n = host.length;
  if (n === 0) return false;
  if (host.charCodeAt(0) === 0x5b) return host.charCodeAt(n - 1) === 0x5d && isIPv6(host.slice(1, -1));
  if (isIPv4(host)) return true;
  const end = host.charCodeAt(n - 1) === 0x2e ? n - 1 : n;
  if (end === 0 || end > 253) return false;
  let labelStart = 0;
  for (let i = 0; i <= end; i++) {
    const c = i < end ? host.charCodeAt(i) : 0x2e;
    if (c === 0x2e) {
      const len = i - labelStart;
      if (len === 0 || len > 63 || host.charCodeAt(i - 1) === 0x2d) return false;
      // toplabel = ALPHA / ALPHA *( alphanum / "-" ) alphanum
      if (i === end && !has(host.charCodeAt(labelStart), ALPHA)) return false;
      labelStart = i + 1;
    } else if (c === 0x2d) {
      if (i === labelStart) return false;
    } else if (!has(c, ALPHA | DIGIT)) return false;
  }
  return true;
}

/**
 * Parses a URI. `context` names what holds it, for the error reason ("Malformed To").
 * Throws SipParseError.
 */
export function parseUri(text: string, context = 'URI'): Uri {
  const colon = text.indexOf(':');
  const scheme = text.slice(0, colon).toLowerCase();
  if (colon <= 0 || !has(scheme.charCodeAt(0), ALPHA) || !allOf(scheme, SCHEME)) throw malformed(context);
  const rest = text.slice(colon + 1);
  if (scheme === 'sip' || scheme === 'sips') return parseSip(scheme, rest, context);
  if (scheme === 'tel') return parseTel(rest, context);
  // absoluteURI = scheme ":" ( hier-part / opaque-part ): uric characters and escapes.
  if (rest.length === 0 || !allOfEscaped(rest, URIC)) throw malformed(context);
  return { kind: 'absolute', scheme, value: rest };
}

function parseSip(scheme: 'sip' | 'sips', s: string, context: string): SipUri {
  let user: string | undefined;
  let password: string | undefined;
  let i = 0;
  // '@' appears in neither user, password, host, parameters nor headers unescaped, so the first one
  // ends the userinfo even when the user part holds ';' or '?' (RFC 4475 §3.1.1.9).
  const at = s.indexOf('@');
  if (at >= 0) {
    const userinfo = s.slice(0, at);
    const pc = userinfo.indexOf(':');
    const u = pc < 0 ? userinfo : userinfo.slice(0, pc);
    if (u.length === 0 || !allOfEscaped(u, USER)) throw malformed(context);
    user = unescapeUri(u);
    if (pc >= 0) {
      const p = userinfo.slice(pc + 1);
      if (!allOfEscaped(p, PASSWORD)) throw malformed(context);
      password = unescapeUri(p);
    }
    i = at + 1;
  }
  // hostport ends at the first ';' or '?' outside an IPv6 reference.
  let hostEnd: number;
  let host: string;
  let port: number | undefined;
  if (s.charCodeAt(i) === 0x5b) {
    const close = s.indexOf(']', i);
    if (close < 0) throw malformed(context);
    host = s.slice(i, close + 1);
    hostEnd = close + 1;
  } else {
    hostEnd = i;
    while (hostEnd < s.length) {
      const c = s.charCodeAt(hostEnd);
      if (c === 0x3a || c === 0x3b || c === 0x3f) break;
      hostEnd++;
    }
    host = s.slice(i, hostEnd);
  }
  if (!isValidHost(host)) throw malformed(context);
  i = hostEnd;
  if (s.charCodeAt(i) === 0x3a) {
    let e = i + 1;
    while (e < s.length && s.charCodeAt(e) !== 0x3b && s.charCodeAt(e) !== 0x3f) e++;
    port = parseDigits(s.slice(i + 1, e), 65535);
    if (port === undefined) throw malformed(context);
    i = e;
  }
  const params = new Map<string, string | null>();
  const q = s.indexOf('?', i);
  const paramsEnd = q < 0 ? s.length : q;
  if (i < paramsEnd) {
    if (s.charCodeAt(i) !== 0x3b) throw malformed(context);
    // uri-parameters = *( ";" uri-parameter ): each is pname [ "=" pvalue ], both 1*paramchar.
    for (const seg of s.slice(i + 1, paramsEnd).split(';')) {
      const eq = seg.indexOf('=');
      const name = eq < 0 ? seg : seg.slice(0, eq);
      if (name.length === 0 || !allOfEscaped(name, PARAMCHAR)) throw malformed(context);
      if (eq < 0) params.set(unescapeUri(name).toLowerCase(), null);
      else {
        const value = seg.slice(eq + 1);
        if (value.length === 0 || !allOfEscaped(value, PARAMCHAR)) throw malformed(context);
        params.set(unescapeUri(name).toLowerCase(), unescapeUri(value));
      }
    }
  }
  const headers: [string, string][] = [];
  if (q >= 0) {
    // headers = "?" header *( "&" header ); header = hname "=" hvalue
    for (const seg of s.slice(q + 1).split('&')) {
      const eq = seg.indexOf('=');
      if (eq <= 0) throw malformed(context);
      const name = seg.slice(0, eq);
      const value = seg.slice(eq + 1);
      if (!allOfEscaped(name, HNV) || !allOfEscaped(value, HNV)) throw malformed(context);
      headers.push([unescapeUri(name), unescapeUri(value)]);
    }
  }
  return { kind: 'sip', scheme, user, password, host, port, params, headers };
}

function parseTel(s: string, context: string): SipUri {
  const semi = s.indexOf(';');
  const number = semi < 0 ? s : s.slice(0, semi);
  if (!TEL_GLOBAL.test(number) && !TEL_LOCAL.test(number)) throw malformed(context);
  const params = new Map<string, string | null>();
  if (semi >= 0) {
    for (const seg of s.slice(semi + 1).split(';')) {
      const eq = seg.indexOf('=');
      const name = eq < 0 ? seg : seg.slice(0, eq);
      if (name.length === 0 || !allOfEscaped(name, PARAMCHAR)) throw malformed(context);
      const value = eq < 0 ? null : seg.slice(eq + 1);
      if (value !== null && (value.length === 0 || !allOfEscaped(value, PARAMCHAR))) throw malformed(context);
      params.set(name.toLowerCase(), value === null ? null : unescapeUri(value));
    }
  }
  return { kind: 'sip', scheme: 'tel', user: number, password: undefined, host: '', port: undefined, params, headers: [] };
}

/** Writes a URI, escaping what its part does not allow unescaped (§19.1.2). */
export function formatUri(uri: Uri): string {
  if (uri.kind === 'absolute') return `${uri.scheme}:${uri.value}`;
  let s = uri.scheme + ':';
  if (uri.scheme === 'tel') s += uri.user ?? '';
  else {
    if (uri.user !== undefined) {
      s += escapeUri(uri.user, USER);
      if (uri.password !== undefined) s += ':' + escapeUri(uri.password, PASSWORD);
      s += '@';
    }
    s += uri.host;
    if (uri.port !== undefined) s += ':' + uri.port;
  }
  for (const [k, v] of uri.params) {
    s += ';' + escapeUri(k, PARAMCHAR);
    if (v !== null) s += '=' + escapeUri(v, PARAMCHAR);
  }
  if (uri.headers.length > 0) {
    s += '?' + uri.headers.map(([k, v]) => escapeUri(k, HNV) + '=' + escapeUri(v, HNV)).join('&');
  }
  return s;
}

/** Builds a SIP URI from parts; omitted parts are absent. */
export function sipUri(parts: {
  scheme?: 'sip' | 'sips';
  user?: string;
  password?: string;
  host: string;
  port?: number;
  params?: Iterable<readonly [string, string | null]>;
  headers?: Iterable<readonly [string, string]>;
}): SipUri {
  if (!isValidHost(parts.host)) throw new TypeError(`invalid SIP URI host: ${JSON.stringify(parts.host)}`);
  if (parts.user === '') throw new TypeError('a SIP URI user part cannot be empty');
  if (parts.port !== undefined && (!Number.isInteger(parts.port) || parts.port < 0 || parts.port > 65535)) {
    throw new TypeError(`invalid SIP URI port: ${parts.port}`);
  }
  const params = new Map<string, string | null>();
  for (const [k, v] of parts.params ?? []) params.set(k.toLowerCase(), v);
  return {
    kind: 'sip',
    scheme: parts.scheme ?? 'sip',
    user: parts.user,
    password: parts.password,
    host: parts.host,
    port: parts.port,
    params,
    headers: [...(parts.headers ?? [])],
  };
}
