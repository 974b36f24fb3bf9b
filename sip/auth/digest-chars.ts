// Character classes of RFC 3261 §25.1 that the digest grammar uses. SIP's token is narrower than
// HTTP's (no # $ & ^ |), and that is the one a SIP peer must produce.

const TOKEN_TABLE = (() => {
  const t = new Uint8Array(128);
  const chars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.!%*_+`'~";
  for (let i = 0; i < chars.length; i++) t[chars.charCodeAt(i)] = 1;
  return t;
})();

/** token = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~") */
export function isTokenChar(c: number): boolean {
  return c < 128 && TOKEN_TABLE[c] === 1;
}

export function isToken(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) if (!isTokenChar(s.charCodeAt(i))) return false;
  return true;
}

/**
 * Control characters we never carry inside a value: C0 (HTAB excepted, it is whitespace) and DEL.
 * The grammar would let a quoted-pair escape most of them; nothing legitimate needs that, and a
 * NUL or CR in a username is how log and header injection start.
 */
export function isForbiddenControl(c: number): boolean {
  return (c < 0x20 && c !== 0x09) || c === 0x7f;
}

/** quoted-string: DQUOTE, the text with `"` and `\` escaped as quoted-pairs, DQUOTE. */
export function quoteString(s: string): string {
  return `"${s.replace(/["\\]/g, '\\$&')}"`;
}

/** First forbidden control character of `s`, or -1. */
export function indexOfForbiddenControl(s: string): number {
  for (let i = 0; i < s.length; i++) if (isForbiddenControl(s.charCodeAt(i))) return i;
  return -1;
}
