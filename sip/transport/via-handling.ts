// What the transport layer does with Via (RFC 3261 §18.1.1, §18.1.2, §18.2.1, §18.2.2; RFC 3581):
// the client adds its top Via, the server records where a request really came from, and responses
// are routed with what the server recorded.
import { isIPv4, isIPv6 } from 'node:net';
import { H, formatVia, generateBranch, type SipRequest, type Via } from '../message/index.ts';
import type { Destination, HostPort, Source, TransportProtocol } from './types.ts';

/** §18.2.2, §19.1.2: the port when sent-by has none (5060 for UDP and TCP; TLS would be 5061). */
export const DEFAULT_SIP_PORT = 5060;

/**
 * A host as the stack compares and dials it: lower case, IPv6 without brackets and in its
 * canonical compressed form, IPv4-mapped IPv6 (a dual-stack socket's view of IPv4) as plain IPv4.
 */
export function normalizeHost(host: string): string {
  // The common case, on every message sent and received: a dotted IPv4 literal, already normal.
  if (isDottedQuad(host)) return host;
  let h = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  h = h.toLowerCase();
  if (isIPv6(h)) {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(h);
    if (mapped && isIPv4(mapped[1]!)) return mapped[1]!;
    try {
      return new URL(`http://[${h}]/`).hostname.slice(1, -1);
    } catch {
      return h;
    }
  }
  return h;
}

/**
 * A valid IPv4 literal as net.isIPv4 accepts it (four decimal octets up to 255, no leading zero),
 * read without a regular expression: it runs on every message sent and received.
 */
export function isDottedQuad(h: string): boolean {
  const n = h.length;
  if (n < 7 || n > 15) return false;
  let octets = 0;
  let value = 0;
  let digits = 0;
  for (let i = 0; i <= n; i++) {
    const c = i === n ? 0x2e : h.charCodeAt(i);
    if (c === 0x2e) {
      if (digits === 0 || value > 255 || ++octets > 4) return false;
      value = 0;
      digits = 0;
    } else if (c >= 0x30 && c <= 0x39) {
      // "0" alone is an octet; "01" is not.
      if (digits === 1 && value === 0) return false;
      value = value * 10 + (c - 0x30);
      if (++digits > 3) return false;
    } else return false;
  }
  return octets === 4;
}

/** A host as written in a Via sent-by or a URI: IPv6 references in brackets (§25.1). */
export function hostForVia(host: string): string {
  const h = normalizeHost(host);
  return isIPv6(h) ? `[${h}]` : h;
}

/** The key of a host:port pair, for connection tables and sent-by comparisons. */
export function hostPortKey(host: string, port: number): string {
  return `${normalizeHost(host)}:${port}`;
}

/**
 * §18.2.1: a server adds `received` when the sent-by host is a name or an address other than the
 * packet's source. RFC 3581 §4: a top Via with an empty `rport` gets the source port, and then
 * `received` too even when it equals sent-by. A `received` the client wrote itself is replaced by the
 * real source. Rewrites the top Via value in place; returns true when it changed.
 */
export function stampReceived(request: SipRequest, source: HostPort): boolean {
  const via = request.topVia;
  if (!via) return false;
  const src = normalizeHost(source.host);
  const params = new Map(via.params);
  let changed = false;
  const rportFlag = via.rport === true;
  if (rportFlag) {
    params.set('rport', String(source.port));
    changed = true;
  }
  const hostDiffers = normalizeHost(via.host) !== src;
  if (rportFlag || hostDiffers || (via.received !== undefined && normalizeHost(via.received) !== src)) {
    if (via.received === undefined || normalizeHost(via.received) !== src) changed = true;
    params.set('received', src);
  }
  if (!changed) return false;
  const value = formatVia({
    protocolName: via.protocolName,
    protocolVersion: via.protocolVersion,
    transport: via.transport,
    host: via.host,
    port: via.port,
    params,
  });
  if (isDottedQuad(src)) {
    // What parsing `value` gives, built from the parts: the Via is read again for every response.
    const rport = rportFlag ? source.port : via.rport;
    const received = params.get('received') ?? undefined;
    request.headers.replaceFirstValue(H.via, value, { ...via, params, received, rport });
  } else {
    request.headers.removeFirstValue('via');
    request.headers.prepend('Via', value);
  }
  return true;
}

/**
 * §18.2.2 with RFC 3581 §4: where the responses to a request go, read from the request's top Via
 * (stamped by stampReceived) and the packet's source.
 * - Reliable transport: back over the connection the request came on; should it be closed, a new
 *   connection to `received` (or sent-by) at the sent-by port.
 * - `maddr`: to that address at the sent-by port.
 * - `rport` with a value: to `received` (the source address) at that port, the NAT's mapping.
 * - `received`: to that address at the sent-by port.
 * - Otherwise to sent-by itself.
 * Responses always leave from the local transport the request arrived on.
 */
export function responseDestination(via: Via, source: Source): Destination {
  const port = via.port ?? DEFAULT_SIP_PORT;
  const base = { transport: source.transport, transportId: source.transportId };
  if (source.transport !== 'udp') {
    const host = normalizeHost(via.received ?? source.host);
    return source.connectionId === undefined
      ? { ...base, host, port }
      : { ...base, host, port, connectionId: source.connectionId };
  }
  if (via.maddr !== undefined) return { ...base, host: normalizeHost(via.maddr), port };
  if (typeof via.rport === 'number') return { ...base, host: normalizeHost(via.received ?? source.host), port: via.rport };
  if (via.received !== undefined) return { ...base, host: normalizeHost(via.received), port };
  return { ...base, host: normalizeHost(via.host), port };
}

/**
 * §18.1.1, §8.1.1.7, RFC 3581 §3: a new top Via for a request we send: our sent-by, the transport
 * in upper case, a fresh RFC 3261 branch (unless one is given) and an empty `rport` asking the
 * server to answer to the address and port the request left from. Returns the branch.
 */
export function addTopVia(
  request: SipRequest,
  options: { transport: TransportProtocol; sentBy: HostPort; branch?: string },
): string {
  const branch = options.branch ?? generateBranch();
  const params = new Map<string, string | null>([
    ['branch', branch],
    ['rport', null],
  ]);
  const value = formatVia({
    transport: options.transport.toUpperCase(),
    host: hostForVia(options.sentBy.host),
    port: options.sentBy.port,
    params,
  });
  request.headers.prepend('Via', value);
  return branch;
}

/** §18.1.2: true when the top Via of a response names one of our sent-by values. */
export function sentByIsOurs(via: Via, ours: readonly HostPort[]): boolean {
  const key = hostPortKey(via.host, via.port ?? DEFAULT_SIP_PORT);
  return ours.some((o) => hostPortKey(o.host, o.port) === key);
}
