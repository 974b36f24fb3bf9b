// Character classes and small scanners of the RFC 3261 §25 ABNF. Header values reach these after
// unfolding, so LWS is only SP and HTAB here. Lookups are table-driven: this runs for every header
// of every message.
import { malformed } from './errors.ts';

export const ALPHA = 1 << 0;
export const DIGIT = 1 << 1;
/** token = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~") */
export const TOKEN = 1 << 2;
/** unreserved = alphanum / mark; mark = - _ . ! ~ * ' ( ) */
export const UNRESERVED = 1 << 3;
/** user-unreserved = & = + $ , ; ? / (plus unreserved) */
export const USER = 1 << 4;
/** password = *( unreserved / escaped / & = + $ , ) */
export const PASSWORD = 1 << 5;
/** paramchar = param-unreserved / unreserved / escaped; param-unreserved = [ ] / : & + $ */
export const PARAMCHAR = 1 << 6;
/** hname/hvalue: hnv-unreserved = [ ] / ? : + $ (plus unreserved) */
export const HNV = 1 << 7;
/** word = token chars plus ( ) < > : \ " / [ ] ? { } (Call-ID) */
export const WORD = 1 << 8;
/** uric = reserved / unreserved (escaped handled apart), for absolute URIs of other schemes */
export const URIC = 1 << 9;
/** scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) */
export const SCHEME = 1 << 10;
export const HEX = 1 << 11;
/** Via parameter values: token, or an IPv4/IPv6 address (received may be a bare IPv6 address). */
export const VIA_VALUE = 1 << 12;
/** Characters of a host name or IPv4 address. */
export const HOSTCHAR = 1 << 13;

const table = new Uint16Array(128);
function mark(chars: string, bits: number): void {
  for (let i = 0; i < chars.length; i++) table[chars.charCodeAt(i)]! |= bits;
}
const lower = 'abcdefghijklmnopqrstuvwxyz';
const upper = lower.toUpperCase();
const digits = '0123456789';
const alphanum = lower + upper + digits;
const markChars = "-_.!~*'()";
mark(lower + upper, ALPHA | SCHEME);
mark(digits, DIGIT | SCHEME);
mark('+-.', SCHEME);
mark(digits + 'abcdefABCDEF', HEX);
mark(alphanum + "-.!%*_+`'~", TOKEN | WORD);
mark('()<>:\\"/[]?{}', WORD);
mark(alphanum + markChars, UNRESERVED | USER | PASSWORD | PARAMCHAR | HNV | URIC);
mark('&=+$,;?/', USER);
mark('&=+$,', PASSWORD);
mark('[]/:&+$', PARAMCHAR);
mark('[]/?:+$', HNV);
mark(';/?:@&=+$,', URIC);
mark(alphanum + "-.!%*_+`'~:[]", VIA_VALUE);
mark(alphanum + '-.', HOSTCHAR);

export function has(code: number, bits: number): boolean {
  return code < 128 && (table[code]! & bits) !== 0;
}

/** True when `s` is non-empty and every character is of the class. */
export function allOf(s: string, bits: number): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || (table[c]! & bits) === 0) return false;
  }
  return true;
}

export function isToken(s: string): boolean {
  return allOf(s, TOKEN);
}

/** Like allOf, but also accepts `escaped = "%" HEXDIG HEXDIG`. Empty strings are accepted. */
export function allOfEscaped(s: string, bits: number): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x25) {
      if (!has(s.charCodeAt(i + 1), HEX) || !has(s.charCodeAt(i + 2), HEX)) return false;
      i += 2;
    } else if (c >= 128 || (table[c]! & bits) === 0) return false;
  }
  return true;
}

export function isWsp(c: number): boolean {
  return c === 0x20 || c === 0x09;
}

/** Trims SP and HTAB only: String#trim would also eat a BOM or NBSP that belongs to the value. */
export function trimWsp(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && isWsp(s.charCodeAt(a))) a++;
  while (b > a && isWsp(s.charCodeAt(b - 1))) b--;
  return a === 0 && b === s.length ? s : s.slice(a, b);
}

/**
 * §25: `%HH` escapes in URIs stand for octets of UTF-8 text. Octets that are not UTF-8 decode as
 * Latin-1 so that no input is lost.
 */
export function unescapeUri(s: string): string {
  if (s.indexOf('%') < 0) return s;
  try {
    return decodeURIComponent(s);
  } catch {
    const bytes: number[] = [];
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c === 0x25) {
        bytes.push(parseInt(s.slice(i + 1, i + 3), 16));
        i += 2;
      } else bytes.push(c);
    }
    return Buffer.from(bytes).toString('latin1');
  }
}

const hexDigits = '0123456789ABCDEF';

/** Escapes every character outside the class as %HH of its UTF-8 octets (§19.1.2). */
export function escapeUri(s: string, bits: number): string {
  let out = '';
  let run = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 128 && (table[c]! & bits) !== 0) continue;
    out += s.slice(run, i);
    if (c < 128) out += '%' + hexDigits[c >> 4]! + hexDigits[c & 15]!;
    else {
      // A surrogate pair is one code point: encode both halves together.
      const cp = s.codePointAt(i) ?? c;
      const ch = String.fromCodePoint(cp);
      for (const b of Buffer.from(ch, 'utf8')) out += '%' + hexDigits[b >> 4]! + hexDigits[b & 15]!;
      if (cp > 0xffff) i++;
    }
    run = i + 1;
  }
  return run === 0 ? s : out + s.slice(run);
}

/** Parses 1*DIGIT (leading zeros allowed) no larger than `max`; undefined when it is not one. */
export function parseDigits(s: string, max: number): number | undefined {
  if (s.length === 0) return undefined;
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i) - 0x30;
    if (c < 0 || c > 9) return undefined;
    n = n * 10 + c;
    // Stop at once: n stays far below 2^53, so a 40-digit value never loses precision into range.
    if (n > max) return undefined;
  }
  return n;
}

export const MAX_UINT32 = 0xffff_ffff;

/**
 * A cursor over one header value. Every method fails with the header's "Malformed X" error, so a
 * parser reads as the grammar does and error handling stays out of the way.
 */
export class Cursor {
  i = 0;
  constructor(
    readonly s: string,
    readonly header: string,
  ) {}

  get done(): boolean {
    return this.i >= this.s.length;
  }

  peek(): number {
    return this.i < this.s.length ? this.s.charCodeAt(this.i) : -1;
  }

  fail(): never {
    throw malformed(this.header);
  }

  /** SWS: optional linear white space. Returns whether any was skipped. */
  sws(): boolean {
    const start = this.i;
    while (this.i < this.s.length && isWsp(this.s.charCodeAt(this.i))) this.i++;
    return this.i > start;
  }

  /** LWS: at least one SP or HTAB. */
  lws(): void {
    if (!this.sws()) this.fail();
  }

  /** Skips `SWS ch SWS` when the next non-space character is ch; otherwise leaves the cursor alone. */
  eat(ch: number): boolean {
    const start = this.i;
    this.sws();
    if (this.peek() === ch) {
      this.i++;
      this.sws();
      return true;
    }
    this.i = start;
    return false;
  }

  expect(ch: number): void {
    if (!this.eat(ch)) this.fail();
  }

  /** Reads 1*chars of the class. */
  run(bits: number): string {
    const start = this.i;
    while (this.i < this.s.length) {
      const c = this.s.charCodeAt(this.i);
      if (c >= 128 || (table[c]! & bits) === 0) break;
      this.i++;
    }
    if (this.i === start) this.fail();
    return this.s.slice(start, this.i);
  }

  token(): string {
    return this.run(TOKEN);
  }

  /**
   * quoted-string = SWS DQUOTE *(qdtext / quoted-pair) DQUOTE. Returns the raw text, quotes
   * included, so that a value forwarded keeps its exact form; see unquote().
   */
  quoted(): string {
    const start = this.i;
    if (this.peek() !== 0x22) this.fail();
    this.i++;
    for (;;) {
      if (this.i >= this.s.length) this.fail();
      const c = this.s.charCodeAt(this.i);
      if (c === 0x22) break;
      if (c === 0x5c) {
        // quoted-pair = "\" (%x00-09 / %x0B-0C / %x0E-7F)
        const n = this.s.charCodeAt(this.i + 1);
        if (Number.isNaN(n) || n === 0x0a || n === 0x0d || n > 0x7f) this.fail();
        this.i += 2;
        continue;
      }
      // qdtext = LWS / %x21 / %x23-5B / %x5D-7E / UTF8-NONASCII
      if (c < 0x20 ? c !== 0x09 : c === 0x7f) this.fail();
      this.i++;
    }
    this.i++;
    return this.s.slice(start, this.i);
  }

  /** The rest of the value from the cursor. */
  rest(): string {
    const r = this.s.slice(this.i);
    this.i = this.s.length;
    return r;
  }

  end(): void {
    this.sws();
    if (!this.done) this.fail();
  }
}

/** Removes the quotes and quoted-pair backslashes of a quoted-string; other text is returned as is. */
export function unquote(s: string): string {
  if (s.length < 2 || s.charCodeAt(0) !== 0x22 || s.charCodeAt(s.length - 1) !== 0x22) return s;
  const inner = s.slice(1, -1);
  return inner.indexOf('\\') < 0 ? inner : inner.replace(/\\([\s\S])/g, '$1');
}

/** Makes a quoted-string of any text: backslash and double quote get a quoted-pair. */
export function quote(s: string): string {
  return '"' + s.replace(/(["\\])/g, '\\$1') + '"';
}

/** Parameters in order of appearance; names are lower-cased since they compare case-insensitively. */
export type Params = ReadonlyMap<string, string | null>;

/**
 * `*( SEMI generic-param )`, generic-param = token [ EQUAL gen-value ], gen-value = token / host /
 * quoted-string. Values are kept raw (quotes included). `valueBits` widens the value class where a
 * header's grammar does (Via's received may be a bare IPv6 address).
 */
export function readParams(c: Cursor, out: Map<string, string | null>, valueBits = TOKEN): void {
  while (c.eat(0x3b)) {
    const name = c.token().toLowerCase();
    if (c.eat(0x3d)) {
      const p = c.peek();
      let v: string;
      if (p === 0x22) v = c.quoted();
      else if (p === 0x5b) {
        const close = c.s.indexOf(']', c.i);
        if (close < 0) c.fail();
        v = c.s.slice(c.i, close + 1);
        c.i = close + 1;
      } else v = c.run(valueBits);
      out.set(name, v);
    } else out.set(name, null);
  }
}

/** Writes parameters back: `;name` or `;name=value`, in order. */
export function formatParams(params: Params): string {
  let s = '';
  for (const [k, v] of params) s += v === null ? `;${k}` : `;${k}=${v}`;
  return s;
}
