// Via (RFC 3261 §20.42, §18.2; rport: RFC 3581). One value per hop; the top one routes responses.
import { isIPv6 } from 'node:net';
import { Cursor, HOSTCHAR, VIA_VALUE, formatParams, isToken, parseDigits, readParams, type Params } from './grammar.ts';
import { isIPv4, isValidHost } from './uri.ts';

export interface Via {
  /** "SIP" for every SIP element; kept as written in case of an extension protocol. */
  readonly protocolName: string;
  readonly protocolVersion: string;
  /** Upper case: UDP, TCP, TLS, SCTP, WS, WSS or an extension token (RFC 4475 §3.1.1.10). */
  readonly transport: string;
  /** sent-by host; IPv6 references keep their brackets. */
  readonly host: string;
  readonly port: number | undefined;
  readonly params: Params;
  readonly branch: string | undefined;
  readonly received: string | undefined;
  /** RFC 3581: `true` for the bare flag a client sends, the port number a server fills in. */
  readonly rport: number | true | undefined;
  readonly maddr: string | undefined;
  readonly ttl: number | undefined;
}

/** The branch prefix of RFC 3261 transactions (§8.1.1.7). */
export const MAGIC_COOKIE = 'z9hG4bK';

/** Parses one via-parm: `sent-protocol LWS sent-by *( SEMI via-params )`. Throws SipParseError. */
export function parseVia(value: string): Via {
  const c: Cursor = new Cursor(value, 'Via');
  c.sws();
  // sent-protocol = protocol-name SLASH protocol-version SLASH transport (SLASH allows SWS around).
  const protocolName = c.token();
  c.expect(0x2f);
  const protocolVersion = c.token();
  c.expect(0x2f);
  const transport = c.token().toUpperCase();
  c.lws();
  // sent-by = host [ COLON port ]
  let host: string;
  if (c.peek() === 0x5b) {
    const close = c.s.indexOf(']', c.i);
    if (close < 0) c.fail();
    host = c.s.slice(c.i, close + 1);
    c.i = close + 1;
  } else host = c.run(HOSTCHAR);
  if (!isValidHost(host)) c.fail();
  let port: number | undefined;
  if (c.eat(0x3a)) {
    port = parseDigits(c.run(HOSTCHAR), 65535);
    if (port === undefined) c.fail();
  }
  const params = new Map<string, string | null>();
  readParams(c, params, VIA_VALUE);
  c.end();

  // via-branch = "branch" EQUAL token
  const branch = params.get('branch');
  if (branch === null || (branch !== undefined && !isToken(branch))) c.fail();
  const received = params.get('received');
  if (received === null || (received !== undefined && !isIPv4(received) && !isIPv6(received.replace(/^\[(.*)\]$/, '$1')))) {
    c.fail();
  }
  let rport: number | true | undefined;
  const rp = params.get('rport');
  if (rp === null) rport = true;
  else if (rp !== undefined) {
    rport = parseDigits(rp, 65535);
    if (rport === undefined) c.fail();
  }
  const maddr = params.get('maddr');
  if (maddr === null || (maddr !== undefined && !isValidHost(maddr))) c.fail();
  const t = params.get('ttl');
  let ttl: number | undefined;
  if (t === null) c.fail();
  if (t !== undefined) {
    ttl = parseDigits(t, 255);
    if (ttl === undefined || t.length > 3) c.fail();
  }
  return { protocolName, protocolVersion, transport, host, port, params, branch, received, rport, maddr, ttl };
}

/** Writes a via-parm. */
export function formatVia(v: {
  transport: string;
  host: string;
  port?: number | undefined;
  params?: Params;
  protocolName?: string;
  protocolVersion?: string;
}): string {
  const port = v.port !== undefined ? `:${v.port}` : '';
  const proto = `${v.protocolName ?? 'SIP'}/${v.protocolVersion ?? '2.0'}/${v.transport.toUpperCase()}`;
  return `${proto} ${v.host}${port}${v.params ? formatParams(v.params) : ''}`;
}

/** §8.1.1.7: an RFC 3261 branch starts with the magic cookie and has something after it. */
export function isRfc3261Branch(branch: string | undefined): boolean {
  return branch !== undefined && branch.length > MAGIC_COOKIE.length && branch.startsWith(MAGIC_COOKIE);
}

/**
 * False for addresses a response must never be sent to: the limited broadcast and unspecified
 * addresses and multicast groups (RFC 4475 §3.3.10). Host names count as unicast.
 */
export function isUnicastHost(host: string): boolean {
  const h = host.startsWith('[') ? host.slice(1, -1).toLowerCase() : host;
  if (isIPv4(h)) {
    const first = Number(h.split('.')[0]);
    return h !== '255.255.255.255' && h !== '0.0.0.0' && !(first >= 224 && first <= 239);
  }
  if (isIPv6(h)) return !h.startsWith('ff') && h !== '::';
  return true;
}
