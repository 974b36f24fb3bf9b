// Small grammar pieces shared by the parser and the helpers (RFC 4566 §9 ABNF, paraphrased).
import { isIP } from 'node:net';
import type { SdpAddressType } from './sdp-types.ts';

/** token = 1*(token-char): printable ASCII except space and the separators RFC 4566 excludes. */
export const TOKEN_RE = /^[!#$%&'*+\-.0-9A-Z^_`a-z{|}~]+$/;
/** A domain name: labels of letters, digits and hyphens, at least one letter somewhere. */
const FQDN_RE = /^(?=[^]*[A-Za-z])[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.?$/;
export const DIGITS_RE = /^[0-9]+$/;

/** A port: 0–65535 written with at most 5 digits. */
export function parsePort(s: string): number | undefined {
  if (s.length === 0 || s.length > 5 || !DIGITS_RE.test(s)) return undefined;
  const n = Number(s);
  return n <= 65535 ? n : undefined;
}

/** A small non-negative integer with at most `maxDigits` digits. */
export function parseUint(s: string, maxDigits: number): number | undefined {
  if (s.length === 0 || s.length > maxDigits || !DIGITS_RE.test(s)) return undefined;
  return Number(s);
}

/**
 * Whether `address` fits its address type: an IP literal of that family, or a domain name (RFC
 * 4566 §5.7 allows FQDNs in c= and o=). Slash suffixes are dealt with by the caller.
 */
export function isValidAddress(addressType: SdpAddressType, address: string): boolean {
  const family = isIP(address);
  if (family !== 0) return family === (addressType === 'IP4' ? 4 : 6);
  return address.length <= 253 && FQDN_RE.test(address);
}

/** The SDP address type of an IP literal, or undefined when it is not one. */
export function addressTypeOf(address: string): SdpAddressType | undefined {
  const family = isIP(address);
  return family === 4 ? 'IP4' : family === 6 ? 'IP6' : undefined;
}

/** RTP-based transports (RTP/AVP, RTP/AVPF, RTP/SAVP, UDP/TLS/RTP/SAVPF, …): formats are payload types. */
export function isRtpProto(proto: string): boolean {
  return /(?:^|\/)RTP\//i.test(proto);
}
