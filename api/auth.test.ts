import { describe, expect, it } from 'vitest';
import { authenticate, tokenIndex } from './auth.ts';
import { ApiError } from './errors.ts';
import { callPath, CALLS_PATH, ids, makeApp, OTHER, send, testConfig } from './test-helpers.ts';

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

describe('bearerAuth on a keep-alive connection', () => {
  it('the same header on the same connection is the same user, without verifying it again', async () => {
    const { app } = makeApp();
    const connection = {};
    const first = await send(app, 'GET', CALLS_PATH, { who: 'alice', connection });
    const again = await send(app, 'GET', CALLS_PATH, { who: 'alice', connection });
    expect([first.status, again.status]).toEqual([200, 200]);
    expect(again.body).toEqual(first.body);
  });

  it('a different header on the same connection is verified afresh: a wrong token is refused', async () => {
    const { app } = makeApp();
    const connection = {};
    expect((await send(app, 'GET', CALLS_PATH, { who: 'alice', connection })).status).toBe(200);
    const wrong = await send(app, 'GET', CALLS_PATH, { token: 'alice-toke', connection });
    expect([wrong.status, wrong.code]).toEqual([401, 1401]);
    const none = await send(app, 'GET', CALLS_PATH, { who: null, connection });
    expect(none.code).toBe(1401);
  });

  it('switching tokens on one connection switches the user, and connections do not share', async () => {
    const { app } = makeApp();
    const connection = {};
    // Alice's dialog: Bob must get 1413 for it even right after Alice asked on the same connection.
    expect((await send(app, 'GET', callPath(ids.A1), { who: 'alice', connection })).status).toBe(200);
    expect((await send(app, 'GET', callPath(ids.A1), { who: 'bob', connection })).code).toBe(1413);
    expect((await send(app, 'GET', callPath(ids.A1), { who: 'bob', connection: {} })).code).toBe(1413);
    expect((await send(app, 'GET', callPath(ids.A1), { who: 'alice', connection })).status).toBe(200);
  });
});
