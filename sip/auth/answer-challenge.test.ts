import { describe, expect, it } from 'vitest';
import { answerChallenge } from './answer-challenge.ts';
import { parseDigestCredentials } from './digest-credentials.ts';
import { DigestError } from './digest-error.ts';

// RFC 7616 §3.9.1.
const rfcChallenge = (algorithm: string) =>
  `Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=${algorithm}, ` +
  'nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"';
const mufasa = { method: 'GET', uri: '/dir/index.html', username: 'Mufasa', password: 'Circle of Life', nc: 1, cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ' };

describe('answerChallenge', () => {
  it('RFC 7616 §3.9.1: answers the MD5 challenge with the example response, quoting what the RFC quotes', () => {
    const a = answerChallenge({ ...mufasa, challenge: rfcChallenge('MD5') });
    expect(a.value).toBe(
      'Digest username="Mufasa", realm="http-auth@example.org", nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", ' +
        'uri="/dir/index.html", response="8ca523f5e9506fed4657c9700eebdbec", algorithm=MD5, ' +
        'cnonce="f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS", qop=auth, nc=00000001',
    );
  });

  it('RFC 7616 §3.9.1: answers the SHA-256 challenge with the example response', () => {
    const a = answerChallenge({ ...mufasa, challenge: rfcChallenge('SHA-256') });
    expect(parseDigestCredentials(a.value).response).toBe('753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1');
    expect(a).toMatchObject({ algorithm: 'SHA-256', qop: 'auth', nc: 1, stale: false });
  });

  it('RFC 8760: with several challenges, uses the topmost one it supports', () => {
    const a = answerChallenge({ ...mufasa, challenge: [rfcChallenge('SHA-512-256'), rfcChallenge('SHA-256'), rfcChallenge('MD5')] });
    expect(a.algorithm).toBe('SHA-256');
  });

  it('answers only challenges of the realm asked for', () => {
    const other = 'Digest realm="elsewhere", nonce="x", qop="auth", algorithm=SHA-256';
    const a = answerChallenge({ ...mufasa, realm: 'http-auth@example.org', challenge: [other, rfcChallenge('MD5')] });
    expect(a.realm).toBe('http-auth@example.org');
  });

  it('prefers qop=auth; uses auth-int when it is the only option', () => {
    const a = answerChallenge({ ...mufasa, body: 'hello', challenge: 'Digest realm="r", nonce="n", qop="auth-int"' });
    expect(a.qop).toBe('auth-int');
    expect(parseDigestCredentials(a.value).qop).toBe('auth-int');
  });

  it('a challenge without qop gets the RFC 2069 form: no qop, cnonce or nc', () => {
    const a = answerChallenge({ ...mufasa, challenge: 'Digest realm="testrealm@host.com", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093"' });
    const c = parseDigestCredentials(a.value);
    expect(c.qop).toBeUndefined();
    expect(c.cnonce).toBeUndefined();
    expect(c.nc).toBeUndefined();
    expect(c.algorithm).toBeUndefined();
  });

  it('nc is written as 8 lower-case hex digits; a random cnonce is made when none is given', () => {
    const a = answerChallenge({ ...mufasa, cnonce: undefined, nc: 26, challenge: rfcChallenge('MD5') });
    const c = parseDigestCredentials(a.value);
    expect(c.nc).toBe('0000001a');
    expect(c.cnonce).toMatch(/^[0-9a-f]{32}$/);
  });

  it.each([
    ['an unsupported algorithm only', 'Digest realm="r", nonce="n", qop="auth", algorithm=SHA-512-256'],
    ['an unknown qop only', 'Digest realm="r", nonce="n", qop="auth-conf"'],
    ['a -sess algorithm without qop', 'Digest realm="r", nonce="n", algorithm=MD5-sess'],
    ['a malformed challenge', 'Digest realm="r'],
    ['a Basic challenge', 'Basic realm="r"'],
  ])('refuses %s with DIGEST_NO_USABLE_CHALLENGE', (_what, challenge) => {
    expect(() => answerChallenge({ ...mufasa, challenge })).toThrowError(expect.objectContaining({ code: 'DIGEST_NO_USABLE_CHALLENGE' }));
  });

  it('refuses an nc outside 1..ffffffff', () => {
    expect(() => answerChallenge({ ...mufasa, nc: 0, challenge: rfcChallenge('MD5') })).toThrowError(DigestError);
    expect(() => answerChallenge({ ...mufasa, nc: 2 ** 32, challenge: rfcChallenge('MD5') })).toThrowError(DigestError);
  });

  it('refuses to write a username that would inject a header line', () => {
    expect(() => answerChallenge({ ...mufasa, username: 'bob\r\nX: y', challenge: rfcChallenge('MD5') })).toThrowError(
      expect.objectContaining({ code: 'DIGEST_UNSERIALIZABLE' }),
    );
  });
});
