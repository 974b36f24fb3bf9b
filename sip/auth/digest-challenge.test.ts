import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatDigestChallenge, parseDigestChallenge, type DigestChallenge } from './digest-challenge.ts';
import { DigestError } from './digest-error.ts';

describe('Digest challenge', () => {
  it('reads the RFC 7616 §3.9.1 challenge', () => {
    const c = parseDigestChallenge(
      'Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=SHA-256, ' +
        'nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"',
    );
    expect(c).toEqual({
      realm: 'http-auth@example.org',
      nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v',
      algorithm: 'SHA-256',
      qop: ['auth', 'auth-int'],
      opaque: 'FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS',
      stale: false,
      userhash: false,
    });
  });

  it('stale is case-insensitive, and anything other than true means false', () => {
    expect(parseDigestChallenge('Digest realm="r", nonce="n", stale=TRUE').stale).toBe(true);
    expect(parseDigestChallenge('Digest realm="r", nonce="n", stale="true"').stale).toBe(true);
    expect(parseDigestChallenge('Digest realm="r", nonce="n", stale=yes').stale).toBe(false);
  });

  it('a challenge without qop is the RFC 2069 form', () => {
    expect(parseDigestChallenge('Digest realm="r", nonce="n"').qop).toBeUndefined();
  });

  it('realm and nonce are required', () => {
    expect(() => parseDigestChallenge('Digest nonce="n"')).toThrowError(expect.objectContaining({ code: 'DIGEST_MISSING_PARAM', param: 'realm' }));
    expect(() => parseDigestChallenge('Digest realm="r"')).toThrowError(expect.objectContaining({ code: 'DIGEST_MISSING_PARAM', param: 'nonce' }));
  });

  it('qop options must be tokens, and the list must not be empty', () => {
    expect(() => parseDigestChallenge('Digest realm="r", nonce="n", qop=""')).toThrowError(DigestError);
    expect(() => parseDigestChallenge('Digest realm="r", nonce="n", qop="auth,,auth-int"')).toThrowError(DigestError);
  });

  it('writes qop quoted and algorithm, stale bare', () => {
    expect(formatDigestChallenge({ realm: 'atlanta.com', nonce: 'abc', algorithm: 'SHA-256', qop: ['auth'], stale: true })).toBe(
      'Digest realm="atlanta.com", nonce="abc", stale=true, algorithm=SHA-256, qop="auth"',
    );
  });

  it('round trip: parse(format(challenge)) is the challenge', () => {
    const token = fc.stringMatching(/^[A-Za-z0-9\-.!%*_+`'~]{1,10}$/);
    const text = fc.string({ maxLength: 30 }).map((s) => s.replace(/[\u0000-\u0008\u000a-\u001f\u007f]/g, ''));
    const challenge: fc.Arbitrary<DigestChallenge> = fc.record(
      {
        realm: text,
        nonce: text,
        algorithm: token,
        qop: fc.array(token, { minLength: 1, maxLength: 3 }),
        opaque: text,
        domain: text,
        stale: fc.boolean(),
        userhash: fc.boolean(),
      },
      { requiredKeys: ['realm', 'nonce', 'stale', 'userhash'] },
    );
    fc.assert(
      fc.property(challenge, (c) => {
        expect(parseDigestChallenge(formatDigestChallenge(c))).toEqual(c);
      }),
      { numRuns: 1000 },
    );
  });
});
