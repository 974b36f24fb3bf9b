import { describe, expect, it } from 'vitest';
import { authenticate, tokenIndex } from './auth.ts';
import { ApiError } from './errors.ts';
import { OTHER, testConfig } from './test-helpers.ts';

describe('authenticate', () => {
  const index = tokenIndex(testConfig());

  it('indexes every token of every user of every domain', () => {
    expect(index).toHaveLength(4); // alice 2, bob 1, carol 1
  });

  it('maps a token to its user, domain and accounts', () => {
    const p = authenticate(index, 'Bearer carol-token');
    expect([p.domain.name, p.user.login, p.sipusers.map((s) => s.id)]).toEqual([OTHER, 'carol', [1]]);
    expect(authenticate(index, 'Bearer alice-token-2').user.login).toBe('alice');
  });

  it('takes the scheme in any case and extra spaces around the token', () => {
    for (const h of ['bearer alice-token', 'BEARER alice-token', 'Bearer   alice-token', 'Bearer alice-token  ']) expect(authenticate(index, h).user.login).toBe('alice');
  });

  const refused: [string | undefined, string][] = [
    [undefined, 'Bearer realm="callctl"'],
    ['', 'Bearer realm="callctl"'],
    ['Bearer', 'invalid_request'],
    ['Bearer ', 'invalid_request'],
    ['Basic YWxpY2U6eA==', 'invalid_request'],
    ['Bearer alice-token extra', 'invalid_request'],
    ['Bearer alice-toke', 'invalid_token'],
    ['Bearer alice-token-', 'invalid_token'],
    ['Bearer ALICE-TOKEN', 'invalid_token'],
    ['Token alice-token', 'invalid_request'],
  ];
  for (const [header, challenge] of refused) {
    it(`refuses ${JSON.stringify(header)} with 1401 and a Bearer challenge`, () => {
      let err: unknown;
      try {
        authenticate(index, header);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ApiError);
      const e = err as ApiError;
      expect([e.code, e.status]).toEqual([1401, 401]);
      expect(e.headers['WWW-Authenticate']).toMatch(/^Bearer realm="callctl"/);
      expect(e.headers['WWW-Authenticate']).toContain(challenge);
    });
  }
});
