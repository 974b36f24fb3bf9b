// A strict reader of one Digest challenge or credentials value (RFC 3261 §25.1, RFC 7616 §3.3/§3.4):
//   "Digest" LWS auth-param *(COMMA auth-param),  auth-param = token EQUAL (token / quoted-string)
// It sees header VALUES, so it works the same whatever produced them (our SIP parser, a test, a
// trunk's response). Everything it refuses is a DigestError with a stable code; nothing else throws.
import { DigestError } from './digest-error.ts';
import { isForbiddenControl, isTokenChar } from './digest-chars.ts';
import { DEFAULT_DIGEST_LIMITS, type DigestLimits } from './digest-limits.ts';

/** Parameter names lower-cased, values with quotes and escapes removed, in the order they came. */
export type DigestParams = ReadonlyMap<string, string>;

const SP = 0x20;
const HTAB = 0x09;
const CR = 0x0d;
const LF = 0x0a;
const DQUOTE = 0x22;
const BACKSLASH = 0x5c;
const EQUAL = 0x3d;
const COMMA = 0x2c;

const isWsp = (c: number) => c === SP || c === HTAB;

class Scanner {
  i = 0;
  constructor(readonly s: string) {}

  get atEnd(): boolean {
    return this.i >= this.s.length;
  }

  peek(): number {
    return this.s.charCodeAt(this.i);
  }

  /**
   * SWS = [LWS], LWS = [*WSP CRLF] 1*WSP: whitespace, folded lines included (a header line that
   * the message parser did not unfold is still read right). Returns whether any was skipped.
   */
  sws(): boolean {
    const start = this.i;
    for (;;) {
      const c = this.peek();
      if (isWsp(c)) this.i++;
      else if (c === CR && this.s.charCodeAt(this.i + 1) === LF && isWsp(this.s.charCodeAt(this.i + 2))) this.i += 3;
      else break;
    }
    return this.i > start;
  }

  token(what: string): string {
    const start = this.i;
    while (isTokenChar(this.peek())) this.i++;
    if (this.i === start) this.fail(`expected ${what}`);
    return this.s.slice(start, this.i);
  }

  expect(c: number, what: string): void {
    if (this.peek() !== c) this.fail(`expected ${what}`);
    this.i++;
  }

  /** quoted-string = DQUOTE *(qdtext / quoted-pair) DQUOTE, returned unescaped. */
  quoted(param: string): string {
    this.i++; // the opening quote, checked by the caller
    let out = '';
    let run = this.i;
    for (;;) {
      if (this.atEnd) throw new DigestError('DIGEST_UNTERMINATED_QUOTE', `unterminated quoted-string in ${param}`, param);
      const c = this.peek();
      if (c === DQUOTE) {
        out += this.s.slice(run, this.i);
        this.i++;
        return out;
      }
      if (c === BACKSLASH) {
        out += this.s.slice(run, this.i);
        const next = this.s.charCodeAt(this.i + 1);
        if (Number.isNaN(next)) throw new DigestError('DIGEST_UNTERMINATED_QUOTE', `unterminated quoted-string in ${param}`, param);
        if (isForbiddenControl(next)) throw new DigestError('DIGEST_BAD_CHARACTER', `control character escaped in ${param}`, param);
        out += this.s[this.i + 1];
        this.i += 2;
        run = this.i;
        continue;
      }
      // RFC 3261 §7.3.1: a fold inside a value means one SP.
      if (c === CR && this.s.charCodeAt(this.i + 1) === LF && isWsp(this.s.charCodeAt(this.i + 2))) {
        out += this.s.slice(run, this.i) + ' ';
        this.i += 3;
        while (isWsp(this.peek())) this.i++;
        run = this.i;
        continue;
      }
      if (isForbiddenControl(c)) throw new DigestError('DIGEST_BAD_CHARACTER', `control character in ${param}`, param);
      this.i++;
    }
  }

  fail(what: string): never {
    if (this.atEnd) throw new DigestError('DIGEST_BAD_SYNTAX', `${what} at end of value`);
    if (isForbiddenControl(this.peek())) throw new DigestError('DIGEST_BAD_CHARACTER', `control character at offset ${this.i}`);
    throw new DigestError('DIGEST_BAD_SYNTAX', `${what} at offset ${this.i}`);
  }
}

/**
 * Reads `Digest name=value, …` into a map. Scheme and names are case-insensitive; whitespace is
 * allowed around `=` and `,`; empty list elements and trailing commas are refused.
 */
export function parseDigestParams(
  value: string,
  limits: Pick<DigestLimits, 'maxValueLength' | 'maxParams'> = DEFAULT_DIGEST_LIMITS,
): DigestParams {
  // Refuse oversized values before looking at them: the cost of a parse stays bounded.
  if (value.length > limits.maxValueLength)
    throw new DigestError('DIGEST_TOO_LONG', `value of ${value.length} characters exceeds ${limits.maxValueLength}`);
  const sc = new Scanner(value);
  sc.sws();
  if (!isTokenChar(sc.peek())) {
    if (!sc.atEnd && isForbiddenControl(sc.peek())) sc.fail('a scheme');
    throw new DigestError('DIGEST_NOT_DIGEST', 'no authentication scheme');
  }
  const scheme = sc.token('a scheme');
  if (scheme.toLowerCase() !== 'digest') throw new DigestError('DIGEST_NOT_DIGEST', `scheme ${JSON.stringify(scheme)} is not Digest`);
  // The scheme and the first parameter are separated by LWS, not glued or joined by a comma.
  if (!sc.sws()) sc.fail('whitespace after Digest');
  if (sc.atEnd) throw new DigestError('DIGEST_BAD_SYNTAX', 'Digest without parameters');

  const params = new Map<string, string>();
  for (;;) {
    const name = sc.token('a parameter name').toLowerCase();
    sc.sws();
    sc.expect(EQUAL, `"=" after ${name}`);
    sc.sws();
    const v = sc.peek() === DQUOTE ? sc.quoted(name) : sc.token(`a value for ${name}`);
    // RFC 7616 §3.3/§3.4: each parameter appears at most once; two answers would be ambiguous.
    if (params.has(name)) throw new DigestError('DIGEST_DUPLICATE_PARAM', `parameter ${name} appears twice`, name);
    if (params.size >= limits.maxParams) throw new DigestError('DIGEST_TOO_MANY_PARAMS', `more than ${limits.maxParams} parameters`);
    params.set(name, v);
    sc.sws();
    if (sc.atEnd) return params;
    sc.expect(COMMA, `"," after ${name}`);
    sc.sws();
  }
}
