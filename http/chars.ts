// Byte classes of RFC 9110/9112 as lookup tables: one indexed load per byte on the hot path.

function table(pred: (c: number) => boolean): Uint8Array {
  const t = new Uint8Array(256);
  for (let c = 0; c < 256; c++) t[c] = pred(c) ? 1 : 0;
  return t;
}

const isAlpha = (c: number) => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
const isDigit = (c: number) => c >= 0x30 && c <= 0x39;

/** RFC 9110 §5.6.2: tchar, the bytes of a token (methods, field names, codings). */
export const TCHAR = table((c) => isAlpha(c) || isDigit(c) || "!#$%&'*+-.^_`|~".includes(String.fromCharCode(c)));

/**
 * RFC 9110 §5.5: field-vchar / SP / HTAB. obs-text (0x80-0xFF) is allowed, as the RFC says it is
 * opaque data; every other CTL (and DEL) is refused, NUL, CR and LF above all.
 */
export const FIELD_VALUE = table((c) => c === 0x09 || (c >= 0x20 && c <= 0x7e) || c >= 0x80);

/**
 * Request-target bytes: visible ASCII. RFC 3986 would refuse `{ } " | ^`, but curl -g sends JSON
 * filters raw in the query string and they do not touch framing; the URL parser percent-encodes
 * them later. Whitespace, CTLs and non-ASCII are refused.
 */
export const TARGET = table((c) => c >= 0x21 && c <= 0x7e);

/** RFC 3986 authority bytes for Host: reg-name / IPv4 / IP-literal, then `:port`. No userinfo. */
export const HOST = table(
  (c) => isAlpha(c) || isDigit(c) || "-._~!$&'()*+,;=%:[]".includes(String.fromCharCode(c)),
);

/** Hex digit values, -1 for anything else. */
export const HEX = (() => {
  const t = new Int8Array(256).fill(-1);
  for (let c = 0; c < 256; c++) {
    if (isDigit(c)) t[c] = c - 0x30;
    else if (c >= 0x41 && c <= 0x46) t[c] = c - 0x41 + 10;
    else if (c >= 0x61 && c <= 0x66) t[c] = c - 0x61 + 10;
  }
  return t;
})();

/** True when `s` is a non-empty token. */
export function isToken(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xff || TCHAR[c] !== 1) return false;
  }
  return true;
}
