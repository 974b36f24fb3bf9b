// The address a transport advertises in Via sent-by (§18.1.1) when it listens on a wildcard.
import { isIPv6 } from 'node:net';
import { networkInterfaces } from 'node:os';
import { isDottedQuad, normalizeHost } from './via-handling.ts';

/** True for 0.0.0.0 and ::, which a peer cannot send to. */
export function isUnspecified(host: string): boolean {
  const h = normalizeHost(host);
  return h === '0.0.0.0' || h === '::';
}

/**
 * The host to advertise for a socket bound to `bindHost`: the bound address itself, or for a
 * wildcard the first external address of the same family (loopback when there is none).
 */
export function advertisedHost(bindHost: string): string {
  const h = normalizeHost(bindHost);
  if (!isUnspecified(h)) return h;
  const v6 = isIPv6(h);
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) {
      if (!a.internal && (a.family === 'IPv6') === v6 && !(v6 && a.address.startsWith('fe80'))) return normalizeHost(a.address);
    }
  }
  return v6 ? '::1' : '127.0.0.1';
}

/** 4 or 6: the family of an address literal; undefined for a host name. Unspecified `::` is dual-stack. */
export function familyOf(host: string): 4 | 6 | undefined {
  const h = normalizeHost(host);
  if (isDottedQuad(h)) return 4;
  if (isIPv6(h)) return 6;
  if (/^\d+\.\d+\.\d+\.\d+$/.test(h)) return 4;
  return undefined;
}
