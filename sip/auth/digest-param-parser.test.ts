import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DigestError, type DigestErrorCode } from './digest-error.ts';
import { parseDigestParams } from './digest-param-parser.ts';

function codeOf(fn: () => unknown): DigestErrorCode | 'no error' {
  try {
    fn();
    return 'no error';
  } catch (e) {
    if (e instanceof DigestError) return e.code;
    throw e;
  }
}

describe('parseDigestParams', () => {
  it('reads token and quoted-string values, names lower-cased, quotes removed', () => {
    const p = parseDigestParams('Digest realm="atlanta.com", NONCE="84a4cc6f", Algorithm=MD5, qop="auth,auth-int"');
    expect([...p]).toEqual([
      ['realm', 'atlanta.com'],
      ['nonce', '84a4cc6f'],
      ['algorithm', 'MD5'],
      ['qop', 'auth,auth-int'],
    ]);
  });

  it('the scheme is case-insensitive', () => {
    expect(parseDigestParams('digest a=b').get('a')).toBe('b');
    expect(parseDigestParams('DIGEST a=b').get('a')).toBe('b');
  });

  it('LWS is allowed around "=" and ",", and around the whole value', () => {
    const p = parseDigestParams(' \tDigest   a = "x" ,\tb=y  ,c= z ');
    expect([...p]).toEqual([
      ['a', 'x'],
      ['b', 'y'],
      ['c', 'z'],
    ]);
  });

  it('a folded line (CRLF then whitespace) counts as whitespace, and as one SP inside a quoted-string', () => {
    const p = parseDigestParams('Digest a="one\r\n   two",\r\n b=c');
    expect(p.get('a')).toBe('one two');
    expect(p.get('b')).toBe('c');
  });

  it('quoted-pair escapes are undone: \\" and \\\\ and any other escaped character', () => {
    const p = parseDigestParams(String.raw`Digest username="a\"b\\c\d"`);
    expect(p.get('username')).toBe('a"b\\cd');
  });

  it('a quoted-string may be empty and may hold commas, "=" and UTF-8', () => {
    const p = parseDigestParams('Digest opaque="", realm="x, y=z", u="Ünïcødé"');
    expect(p.get('opaque')).toBe('');
    expect(p.get('realm')).toBe('x, y=z');
    expect(p.get('u')).toBe('Ünïcødé');
  });

  it('each parameter appears at most once (names compare case-insensitively)', () => {
    expect(codeOf(() => parseDigestParams('Digest realm="a", nonce="n", Realm="b"'))).toBe('DIGEST_DUPLICATE_PARAM');
    try {
      parseDigestParams('Digest nc=00000001, nc=00000002');
    } catch (e) {
      expect(e).toBeInstanceOf(DigestError);
      expect((e as DigestError).param).toBe('nc');
    }
  });

  it.each<[string, string, DigestErrorCode]>([
    ['Basic scheme', 'Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==', 'DIGEST_NOT_DIGEST'],
    ['no scheme', 'realm="a"', 'DIGEST_NOT_DIGEST'],
    ['empty value', '', 'DIGEST_NOT_DIGEST'],
    ['only spaces', '   ', 'DIGEST_NOT_DIGEST'],
    ['no parameters', 'Digest', 'DIGEST_BAD_SYNTAX'],
    ['no parameters, trailing space', 'Digest   ', 'DIGEST_BAD_SYNTAX'],
    ['scheme glued to a comma', 'Digest,realm="a"', 'DIGEST_BAD_SYNTAX'],
    ['missing "="', 'Digest realm "a"', 'DIGEST_BAD_SYNTAX'],
    ['missing value', 'Digest realm=', 'DIGEST_BAD_SYNTAX'],
    ['empty list element', 'Digest a=b,,c=d', 'DIGEST_BAD_SYNTAX'],
    ['trailing comma', 'Digest a=b,', 'DIGEST_BAD_SYNTAX'],
    ['parameters not comma-separated', 'Digest a=b c=d', 'DIGEST_BAD_SYNTAX'],
    ['a second challenge in one value', 'Digest a=b, Digest c=d', 'DIGEST_BAD_SYNTAX'],
    ['a value that is not a token', 'Digest uri=sip:bob@biloxi.com', 'DIGEST_BAD_SYNTAX'],
    ['a non-token parameter name', 'Digest re@lm="a"', 'DIGEST_BAD_SYNTAX'],
    ['unterminated quoted-string', 'Digest realm="atlanta.com', 'DIGEST_UNTERMINATED_QUOTE'],
    ['backslash at the end', 'Digest realm="atlanta.com\\', 'DIGEST_UNTERMINATED_QUOTE'],
    ['NUL inside a quoted-string', 'Digest username="a\u0000b"', 'DIGEST_BAD_CHARACTER'],
    ['escaped NUL inside a quoted-string', 'Digest username="a\\\u0000b"', 'DIGEST_BAD_CHARACTER'],
    ['bare LF inside a quoted-string', 'Digest username="a\nb"', 'DIGEST_BAD_CHARACTER'],
    ['CRLF not followed by whitespace', 'Digest a=b,\r\nc=d', 'DIGEST_BAD_CHARACTER'],
    ['DEL between parameters', 'Digest a=b\u007f', 'DIGEST_BAD_CHARACTER'],
  ])('refuses %s', (_what, value, code) => {
    expect(codeOf(() => parseDigestParams(value))).toBe(code);
  });

  it('refuses a value over the length limit before parsing it', () => {
    const value = `Digest realm="${'a'.repeat(5000)}"`;
    expect(codeOf(() => parseDigestParams(value))).toBe('DIGEST_TOO_LONG');
    expect(parseDigestParams(value, { maxValueLength: 6000, maxParams: 32 }).get('realm')).toHaveLength(5000);
  });

  it('refuses more parameters than the limit', () => {
    const many = `Digest ${Array.from({ length: 33 }, (_, i) => `p${i}=v`).join(', ')}`;
    expect(codeOf(() => parseDigestParams(many))).toBe('DIGEST_TOO_MANY_PARAMS');
    expect(parseDigestParams(many, { maxValueLength: 4096, maxParams: 40 }).size).toBe(33);
  });

  describe('fuzz', () => {
    const expectOnlyDigestErrors = (value: string) => {
      try {
        const p = parseDigestParams(value);
        // What parses is a non-empty map of lower-case names.
        expect(p.size).toBeGreaterThan(0);
        for (const k of p.keys()) expect(k).toBe(k.toLowerCase());
      } catch (e) {
        if (!(e instanceof DigestError)) throw e;
      }
    };

    it('never throws anything but DigestError on arbitrary strings', () => {
      fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 300 }), expectOnlyDigestErrors), { numRuns: 2000 });
      fc.assert(fc.property(fc.string({ maxLength: 300 }).map((s) => `Digest ${s}`), expectOnlyDigestErrors), { numRuns: 2000 });
    });

    it('never throws anything but DigestError on near-valid values built from grammar pieces', () => {
      const piece = fc.constantFrom(
        'Digest', 'digest', ' ', '\t', '\r\n ', '\r\n', '\r', '\n', ',', '=', '"', '\\', '\\"', 'realm', 'nonce', 'nc',
        '00000001', 'auth', 'MD5', 'a', '%', '\u0000', '\u007f', 'é', '😀', '\ud800',
      );
      const near = fc.array(piece, { maxLength: 40 }).map((ps) => ps.join(''));
      fc.assert(fc.property(near, expectOnlyDigestErrors), { numRuns: 5000 });
    });
  });
});
