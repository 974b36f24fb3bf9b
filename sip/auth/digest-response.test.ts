import { describe, expect, it } from 'vitest';
import { hashHex, parseDigestAlgorithm } from './digest-algorithm.ts';
import { computeDigestResponse, type DigestResponseInput } from './digest-response.ts';

// RFC 7616 §3.9.1: user Mufasa, password "Circle of Life" (lower-case "of", erratum 4495), GET /dir/index.html.
const rfc7616: Omit<DigestResponseInput, 'algorithm'> = {
  username: 'Mufasa',
  realm: 'http-auth@example.org',
  secret: { password: 'Circle of Life' },
  nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v',
  method: 'GET',
  uri: '/dir/index.html',
  qop: 'auth',
  nc: '00000001',
  cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ',
};

describe('computeDigestResponse', () => {
  it('RFC 7616 §3.9.1, MD5: response 8ca523f5e9506fed4657c9700eebdbec', () => {
    expect(computeDigestResponse({ ...rfc7616, algorithm: 'MD5' })).toBe('8ca523f5e9506fed4657c9700eebdbec');
  });

  it('RFC 7616 §3.9.1, SHA-256: response 753927fa…6cb6c1', () => {
    expect(computeDigestResponse({ ...rfc7616, algorithm: 'SHA-256' })).toBe('753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1');
  });

  it('RFC 2617 §3.5 example (qop=auth, MD5, "Circle Of Life")', () => {
    const response = computeDigestResponse({
      algorithm: 'MD5',
      username: 'Mufasa',
      realm: 'testrealm@host.com',
      secret: { password: 'Circle Of Life' },
      nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093',
      method: 'GET',
      uri: '/dir/index.html',
      qop: 'auth',
      nc: '00000001',
      cnonce: '0a4f113b',
    });
    expect(response).toBe('6629fae49393a05397450978507c4ef1');
  });

  it('RFC 2069 form (no qop): H(HA1:nonce:HA2)', () => {
    const response = computeDigestResponse({
      algorithm: 'MD5',
      username: 'Mufasa',
      realm: 'testrealm@host.com',
      secret: { password: 'CircleOfLife' },
      nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093',
      method: 'GET',
      uri: '/dir/index.html',
      qop: undefined,
      nc: undefined,
      cnonce: undefined,
    });
    expect(response).toBe('1949323746fe6a43ef61f9606e7febea');
  });

  it('a stored HA1 gives the same response as the password', () => {
    for (const algorithm of ['MD5', 'SHA-256', 'MD5-sess', 'SHA-256-sess'] as const) {
      const hash = algorithm.startsWith('SHA') ? 'SHA-256' : 'MD5';
      const ha1 = hashHex(hash, 'Mufasa:http-auth@example.org:Circle of Life').toUpperCase();
      expect(computeDigestResponse({ ...rfc7616, algorithm, secret: { ha1: { [hash]: ha1 } } })).toBe(
        computeDigestResponse({ ...rfc7616, algorithm }),
      );
    }
  });

  it('-sess: HA1 is H(H(user:realm:password):nonce:cnonce)', () => {
    const ha1 = hashHex('SHA-256', `${hashHex('SHA-256', 'Mufasa:http-auth@example.org:Circle of Life')}:${rfc7616.nonce}:${rfc7616.cnonce}`);
    const ha2 = hashHex('SHA-256', 'GET:/dir/index.html');
    const expected = hashHex('SHA-256', `${ha1}:${rfc7616.nonce}:00000001:${rfc7616.cnonce}:auth:${ha2}`);
    expect(computeDigestResponse({ ...rfc7616, algorithm: 'SHA-256-sess' })).toBe(expected);
  });

  it('auth-int: A2 is method:uri:H(body)', () => {
    const body = 'v=0\r\n';
    const ha1 = hashHex('MD5', 'Mufasa:http-auth@example.org:Circle of Life');
    const ha2 = hashHex('MD5', `GET:/dir/index.html:${hashHex('MD5', body)}`);
    const expected = hashHex('MD5', `${ha1}:${rfc7616.nonce}:00000001:${rfc7616.cnonce}:auth-int:${ha2}`);
    expect(computeDigestResponse({ ...rfc7616, algorithm: 'MD5', qop: 'auth-int', body })).toBe(expected);
  });

  it('-sess without a cnonce is refused rather than answered wrong', () => {
    expect(() => computeDigestResponse({ ...rfc7616, algorithm: 'MD5-sess', qop: undefined, nc: undefined, cnonce: undefined })).toThrowError(
      expect.objectContaining({ code: 'DIGEST_MISSING_PARAM' }),
    );
  });

  it('an absent algorithm parameter means MD5; names match case-insensitively', () => {
    expect(parseDigestAlgorithm(undefined)).toBe('MD5');
    expect(parseDigestAlgorithm('sha-256')).toBe('SHA-256');
    expect(parseDigestAlgorithm('md5-SESS')).toBe('MD5-sess');
    expect(parseDigestAlgorithm('SHA-512-256')).toBeUndefined();
  });
});
