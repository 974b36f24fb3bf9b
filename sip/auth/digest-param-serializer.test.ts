import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DigestError } from './digest-error.ts';
import { parseDigestParams } from './digest-param-parser.ts';
import { formatDigestParams, type DigestParamKind } from './digest-param-serializer.ts';

describe('formatDigestParams', () => {
  it('in a challenge, realm, domain, nonce, opaque and qop are quoted; algorithm and stale are not', () => {
    const v = formatDigestParams('challenge', [
      ['realm', 'atlanta.com'],
      ['domain', 'sip:ss1.carrier.com'],
      ['nonce', 'n'],
      ['opaque', 'o'],
      ['stale', 'true'],
      ['algorithm', 'SHA-256'],
      ['qop', 'auth,auth-int'],
    ]);
    expect(v).toBe('Digest realm="atlanta.com", domain="sip:ss1.carrier.com", nonce="n", opaque="o", stale=true, algorithm=SHA-256, qop="auth,auth-int"');
  });

  it('in credentials, username, realm, nonce, uri, response, cnonce and opaque are quoted; algorithm, qop and nc are not', () => {
    const v = formatDigestParams('credentials', [
      ['username', 'bob'],
      ['realm', 'biloxi.com'],
      ['nonce', 'n'],
      ['uri', 'sip:bob@biloxi.com'],
      ['response', 'abc'],
      ['algorithm', 'MD5'],
      ['cnonce', 'c'],
      ['opaque', 'o'],
      ['qop', 'auth'],
      ['nc', '00000001'],
    ]);
    expect(v).toBe(
      'Digest username="bob", realm="biloxi.com", nonce="n", uri="sip:bob@biloxi.com", response="abc", algorithm=MD5, cnonce="c", opaque="o", qop=auth, nc=00000001',
    );
  });

  it('escapes " and \\ inside quoted-strings', () => {
    expect(formatDigestParams('credentials', [['username', 'a"b\\c']])).toBe(String.raw`Digest username="a\"b\\c"`);
  });

  it('quotes extension parameters', () => {
    expect(formatDigestParams('challenge', [['realm', 'r'], ['x-thing', 'a b']])).toBe('Digest realm="r", x-thing="a b"');
  });

  it.each<[string, DigestParamKind, [string, string][]]>([
    ['a CR LF that would end the header line', 'credentials', [['username', 'bob\r\nVia: evil']]],
    ['a NUL', 'challenge', [['realm', 'a\u0000']]],
    ['a bare parameter that is not a token', 'credentials', [['algorithm', 'MD 5']]],
    ['an empty bare parameter', 'credentials', [['nc', '']]],
    ['a parameter name that is not a token', 'challenge', [['re alm', 'a']]],
    ['no parameters at all', 'challenge', []],
  ])('refuses to write %s', (_what, kind, entries) => {
    expect(() => formatDigestParams(kind, entries)).toThrowError(DigestError);
  });

  it('refuses the same parameter twice', () => {
    try {
      formatDigestParams('challenge', [['realm', 'a'], ['REALM', 'b']]);
      expect.unreachable();
    } catch (e) {
      expect((e as DigestError).code).toBe('DIGEST_DUPLICATE_PARAM');
    }
  });

  describe('round trip: parse(format(params)) gives the params back', () => {
    const tokenChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.!%*_+`'~".split('');
    const token = fc.array(fc.constantFrom(...tokenChars), { minLength: 1, maxLength: 12 }).map((cs) => cs.join(''));
    // Any text without forbidden control characters: HTAB, quotes, backslashes, commas and UTF-8 included.
    const text = fc.string({ unit: 'grapheme', maxLength: 40 }).map((s) => s.replace(/[\u0000-\u0008\u000a-\u001f\u007f]/g, ''));
    const bare: Record<DigestParamKind, string[]> = {
      challenge: ['algorithm', 'stale', 'charset', 'userhash'],
      credentials: ['algorithm', 'qop', 'nc', 'userhash'],
    };
    for (const kind of ['challenge', 'credentials'] as const) {
      it(kind, () => {
        const entry = fc.oneof(
          fc.tuple(fc.constantFrom(...bare[kind]), token),
          fc.tuple(fc.oneof(fc.constantFrom('realm', 'nonce', 'opaque', 'username', 'uri', 'cnonce', 'response', 'domain'), token), text),
        );
        const entries = fc.uniqueArray(entry, { minLength: 1, maxLength: 12, selector: ([name]) => name.toLowerCase() });
        fc.assert(
          fc.property(entries, (es) => {
            const bareNames = new Set(bare[kind]);
            // An extension parameter spelled like a bare one is written bare, so it must be a token.
            const usable = es.filter(([n, v]) => !bareNames.has(n.toLowerCase()) || /^[A-Za-z0-9\-.!%*_+`'~]+$/.test(v));
            fc.pre(usable.length > 0);
            const parsed = parseDigestParams(formatDigestParams(kind, usable));
            expect([...parsed]).toEqual(usable.map(([n, v]) => [n.toLowerCase(), v]));
          }),
          { numRuns: 1000 },
        );
      });
    }
  });
});
