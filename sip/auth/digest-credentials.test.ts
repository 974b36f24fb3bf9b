import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatDigestCredentials, nonceCountOf, parseDigestCredentials, type DigestCredentials } from './digest-credentials.ts';
import type { DigestErrorCode } from './digest-error.ts';

const base = 'Digest username="bob", realm="biloxi.com", nonce="n", uri="sip:bob@biloxi.com", response="0123456789abcdef0123456789abcdef"';

describe('Digest credentials', () => {
  it('reads the RFC 3261 §22.4 style credentials with qop', () => {
    const c = parseDigestCredentials(`${base}, algorithm=MD5, cnonce="0a4f113b", qop=auth, nc=00000001, opaque=""`);
    expect(c).toEqual({
      username: 'bob',
      realm: 'biloxi.com',
      nonce: 'n',
      uri: 'sip:bob@biloxi.com',
      response: '0123456789abcdef0123456789abcdef',
      algorithm: 'MD5',
      cnonce: '0a4f113b',
      qop: 'auth',
      nc: '00000001',
      opaque: '',
      userhash: false,
    });
    expect(nonceCountOf('0000001a')).toBe(26);
  });

  it('reads the RFC 2069 form (no qop, no cnonce, no nc)', () => {
    const c = parseDigestCredentials(base);
    expect(c.qop).toBeUndefined();
    expect(c.nc).toBeUndefined();
  });

  it.each<[string, string, DigestErrorCode]>([
    ['username is required', base.replace('username="bob", ', ''), 'DIGEST_MISSING_PARAM'],
    ['uri is required', base.replace('uri="sip:bob@biloxi.com", ', ''), 'DIGEST_MISSING_PARAM'],
    ['response is required', base.replace(/, response="[0-9a-f]+"/, ''), 'DIGEST_MISSING_PARAM'],
    ['with qop, cnonce is required', `${base}, qop=auth, nc=00000001`, 'DIGEST_MISSING_PARAM'],
    ['with qop, nc is required', `${base}, qop=auth, cnonce="c"`, 'DIGEST_MISSING_PARAM'],
    ['without qop, nc must not be sent', `${base}, nc=00000001`, 'DIGEST_INVALID_PARAM'],
    ['nc is exactly 8 hex digits', `${base}, qop=auth, cnonce="c", nc=1`, 'DIGEST_INVALID_PARAM'],
    ['nc is hex', `${base}, qop=auth, cnonce="c", nc=0000000g`, 'DIGEST_INVALID_PARAM'],
    ['response is hex', base.replace('0123456789abcdef0123456789abcdef', 'not-hex'), 'DIGEST_INVALID_PARAM'],
    ['username* is not supported', `${base}, username*=UTF-8''bob`, 'DIGEST_INVALID_PARAM'],
    ['algorithm is a token', `${base}, algorithm="MD 5"`, 'DIGEST_INVALID_PARAM'],
  ])('%s', (_rule, value, code) => {
    expect(() => parseDigestCredentials(value)).toThrowError(expect.objectContaining({ code }));
  });

  it('round trip: parse(format(credentials)) is the credentials', () => {
    const token = fc.stringMatching(/^[A-Za-z0-9\-.!%*_+`'~]{1,10}$/);
    const text = fc.string({ maxLength: 30 }).map((s) => s.replace(/[\u0000-\u0008\u000a-\u001f\u007f]/g, ''));
    const withQop = fc.record({ qop: token, nc: fc.stringMatching(/^[0-9a-fA-F]{8}$/), cnonce: text });
    const credentials: fc.Arbitrary<DigestCredentials> = fc
      .tuple(
        fc.record(
          {
            username: text,
            realm: text,
            nonce: text,
            uri: text,
            response: fc.stringMatching(/^[0-9a-f]{32}$|^[0-9a-f]{64}$/),
            algorithm: token,
            opaque: text,
            userhash: fc.boolean(),
          },
          { requiredKeys: ['username', 'realm', 'nonce', 'uri', 'response', 'userhash'] },
        ),
        fc.option(withQop, { nil: undefined }),
      )
      .map(([c, q]) => ({ ...c, ...q }));
    fc.assert(
      fc.property(credentials, (c) => {
        expect(parseDigestCredentials(formatDigestCredentials(c))).toEqual(c);
      }),
      { numRuns: 1000 },
    );
  });
});
