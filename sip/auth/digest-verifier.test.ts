import { describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../../lib/clock.ts';
import { answerChallenge } from './answer-challenge.ts';
import { hashHex, type DigestAlgorithm } from './digest-algorithm.ts';
import { formatDigestChallenge, parseDigestChallenge } from './digest-challenge.ts';
import { formatDigestCredentials, parseDigestCredentials } from './digest-credentials.ts';
import * as digestResponse from './digest-response.ts';
import type { DigestSecret } from './digest-secret.ts';
import { DigestVerifier, type AuthChallenge, type DigestVerifierOptions, type VerifyInput, type VerifyResult } from './digest-verifier.ts';

// Count digest computations without changing them: the unknown-user path must do the same work.
vi.mock('./digest-response.ts', async (importOriginal) => {
  const real = await importOriginal<typeof digestResponse>();
  return { ...real, computeDigestResponse: vi.fn(real.computeDigestResponse) };
});

const realm = 'atlanta.com';
const secret = Buffer.alloc(32, 1);
const accounts = new Map<string, DigestSecret>([
  ['alice', { password: 'wonderland' }],
  ['carol', { ha1: { MD5: hashHex('MD5', 'carol:atlanta.com:s3cret'), 'SHA-256': hashHex('SHA-256', 'carol:atlanta.com:s3cret') } }],
  ['dave', { ha1: { MD5: hashHex('MD5', 'dave:atlanta.com:pw') } }],
]);
const lookup = (username: string) => accounts.get(username);

function setup(opts: Partial<DigestVerifierOptions> = {}) {
  const clock = new ManualClock(1_700_000_000_000);
  const verifier = new DigestVerifier({ clock, secret, ...opts });
  return { clock, verifier };
}

const invite = { method: 'INVITE', requestUri: 'sip:bob@biloxi.com', realm, lookup } as const;
const register = { method: 'REGISTER', requestUri: 'sip:atlanta.com', realm, lookup } as const;

function expectChallenge(r: VerifyResult): AuthChallenge {
  if (r.kind !== 'challenge') throw new Error(`expected a challenge, got ${JSON.stringify(r)}`);
  return r;
}

/** The device side: first request without credentials, then the answer to the challenge. */
async function login(
  verifier: DigestVerifier,
  request: Omit<VerifyInput, 'credentials'>,
  user: { username: string; password: string; nc?: number; cnonce?: string },
): Promise<{ challenge: AuthChallenge; authorization: string; result: VerifyResult }> {
  const challenge = expectChallenge(await verifier.verify({ ...request, credentials: undefined }));
  const authorization = answerChallenge({
    challenge: challenge.values,
    method: request.method,
    uri: request.requestUri,
    nc: user.nc ?? 1,
    username: user.username,
    password: user.password,
    ...(user.cnonce !== undefined && { cnonce: user.cnonce }),
    ...(request.body !== undefined && { body: request.body }),
  }).value;
  return { challenge, authorization, result: await verifier.verify({ ...request, credentials: authorization }) };
}

/** Credentials with one field changed, the response left as it was. */
function withField(authorization: string, field: string, value: string | undefined): string {
  const c = { ...parseDigestCredentials(authorization), [field]: value };
  return formatDigestCredentials(c);
}

describe('DigestVerifier', () => {
  describe('challenges', () => {
    it('a REGISTER without credentials gets 401 with WWW-Authenticate: SHA-256 first, then MD5 (RFC 8760)', async () => {
      const { verifier } = setup();
      const c = expectChallenge(await verifier.verify({ ...register, credentials: undefined }));
      expect(c).toMatchObject({ reason: 'MISSING_CREDENTIALS', status: 401, reasonPhrase: 'Unauthorized', header: 'WWW-Authenticate', stale: false });
      expect(c.values).toHaveLength(2);
      const [sha, md5] = c.values.map((v) => parseDigestChallenge(v));
      expect(sha).toMatchObject({ realm, algorithm: 'SHA-256', qop: ['auth'], stale: false });
      expect(md5).toMatchObject({ realm, algorithm: 'MD5', qop: ['auth'], stale: false });
      // One nonce for both challenges of one response.
      expect(sha?.nonce).toBe(md5?.nonce);
    });

    it('an out-of-dialog INVITE, REFER, SUBSCRIBE or MESSAGE gets 407 with Proxy-Authenticate', async () => {
      const { verifier } = setup();
      for (const method of ['INVITE', 'REFER', 'SUBSCRIBE', 'MESSAGE']) {
        const c = expectChallenge(await verifier.verify({ ...invite, method, credentials: [] }));
        expect(c).toMatchObject({ status: 407, reasonPhrase: 'Proxy Authentication Required', header: 'Proxy-Authenticate' });
      }
    });

    it('ACK and CANCEL cannot be challenged (RFC 3261 §22.1)', async () => {
      const { verifier } = setup();
      await expect(verifier.verify({ ...invite, method: 'ACK', credentials: undefined })).rejects.toThrowError(RangeError);
      expect(() => verifier.challenge('CANCEL', realm)).toThrowError(RangeError);
    });

    it('the server always sends qop, even when it accepts answers without it (RFC 3261 §22.4)', () => {
      const { verifier } = setup({ acceptRfc2069: true });
      for (const v of verifier.challenge('INVITE', realm).values) expect(parseDigestChallenge(v).qop).toEqual(['auth']);
    });

    it('offers the configured algorithms in the configured order', () => {
      const { verifier } = setup({ algorithms: ['SHA-256-sess', 'SHA-256', 'MD5-sess', 'MD5'] });
      const algs = verifier.challenge('REGISTER', realm).values.map((v) => parseDigestChallenge(v).algorithm);
      expect(algs).toEqual(['SHA-256-sess', 'SHA-256', 'MD5-sess', 'MD5']);
    });

    it('refuses options it cannot honour', () => {
      const clock = new ManualClock();
      expect(() => new DigestVerifier({ clock, algorithms: [] })).toThrowError(RangeError);
      expect(() => new DigestVerifier({ clock, algorithms: ['MD5', 'MD5'] })).toThrowError(RangeError);
      expect(() => new DigestVerifier({ clock, algorithms: ['SHA-1' as DigestAlgorithm] })).toThrowError(RangeError);
      expect(() => new DigestVerifier({ clock, qop: [] })).toThrowError(RangeError);
    });
  });

  describe('round trip client → server', () => {
    it.each<DigestAlgorithm>(['SHA-256', 'MD5', 'SHA-256-sess', 'MD5-sess'])('%s with qop=auth is accepted', async (algorithm) => {
      const { verifier } = setup({ algorithms: [algorithm] });
      const { result } = await login(verifier, register, { username: 'alice', password: 'wonderland' });
      expect(result).toEqual({ kind: 'ok', username: 'alice', algorithm, qop: 'auth', nc: 1 });
    });

    it('a client offering both picks SHA-256, the topmost', async () => {
      const { verifier } = setup();
      const { result } = await login(verifier, invite, { username: 'alice', password: 'wonderland' });
      expect(result).toMatchObject({ kind: 'ok', algorithm: 'SHA-256' });
    });

    it('an account stored as HA1 (per hash function) is verified like a password one', async () => {
      for (const algorithm of ['SHA-256', 'MD5-sess'] as const) {
        const { verifier } = setup({ algorithms: [algorithm] });
        const { result } = await login(verifier, register, { username: 'carol', password: 's3cret' });
        expect(result).toMatchObject({ kind: 'ok', username: 'carol', algorithm });
      }
    });

    it('the lookup may be asynchronous', async () => {
      const { verifier } = setup();
      const { result } = await login(verifier, { ...register, lookup: async (u) => accounts.get(u) }, { username: 'alice', password: 'wonderland' });
      expect(result.kind).toBe('ok');
    });

    it('qop=auth-int, when offered, covers the body', async () => {
      const { verifier } = setup({ qop: ['auth-int'] });
      const body = 'v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\n';
      const request = { ...invite, body };
      const { challenge, result } = await login(verifier, request, { username: 'alice', password: 'wonderland' });
      expect(result).toMatchObject({ kind: 'ok', qop: 'auth-int' });
      const next = answerChallenge({ challenge: challenge.values, method: 'INVITE', uri: invite.requestUri, username: 'alice', password: 'wonderland', nc: 2, body });
      const r = await verifier.verify({ ...request, body: 'v=0\r\no=- 6 6 IN IP4 203.0.113.9\r\n', credentials: next.value });
      expect(r).toMatchObject({ kind: 'challenge', reason: 'WRONG_RESPONSE' });
      expect(await verifier.verify({ ...request, credentials: next.value })).toMatchObject({ kind: 'ok', nc: 2 });
    });
  });

  describe('wrong and unknown credentials', () => {
    it('a wrong password gets a new challenge, not stale', async () => {
      const { verifier } = setup();
      const { result } = await login(verifier, register, { username: 'alice', password: 'guess' });
      const c = expectChallenge(result);
      expect(c).toMatchObject({ reason: 'WRONG_RESPONSE', stale: false, status: 401, username: 'alice' });
      expect(c.values).toHaveLength(2);
    });

    it('an unknown user gets exactly the answer a wrong password gets, after the same digest work (no enumeration)', async () => {
      const { verifier } = setup();
      const compute = vi.mocked(digestResponse.computeDigestResponse);
      // Counts only the server's work: the client's answer is computed before the counter is reset.
      const attempt = async (username: string) => {
        const challenge = expectChallenge(await verifier.verify({ ...register, credentials: undefined }));
        const a = answerChallenge({ challenge: challenge.values, method: 'REGISTER', uri: register.requestUri, username, password: 'guess', nc: 1 });
        compute.mockClear();
        const result = expectChallenge(await verifier.verify({ ...register, credentials: a.value }));
        expect(compute).toHaveBeenCalledTimes(1);
        return result;
      };
      const wrong = await attempt('alice');
      const unknown = await attempt('mallory');
      expect(wrong.reason).toBe('WRONG_RESPONSE');
      expect(unknown.reason).toBe('UNKNOWN_USER');
      const wire = (c: AuthChallenge) => ({
        status: c.status,
        header: c.header,
        stale: c.stale,
        values: c.values.map((v) => ({ ...parseDigestChallenge(v), nonce: 'x' })),
      });
      expect(wire(unknown)).toEqual(wire(wrong));
    });

    it('an HA1 account without an HA1 for the chosen hash is refused', async () => {
      const { verifier } = setup({ algorithms: ['SHA-256'] });
      const { result } = await login(verifier, register, { username: 'dave', password: 'pw' });
      expect(result).toMatchObject({ kind: 'challenge', reason: 'NO_SECRET_FOR_ALGORITHM', stale: false });
    });
  });

  describe('nonces', () => {
    it('an expired nonce with a right response gets a new challenge with stale=true, which the device answers without a password prompt', async () => {
      const { clock, verifier } = setup({ nonceLifetimeMs: 300_000 });
      const { authorization, result } = await login(verifier, register, { username: 'alice', password: 'wonderland' });
      expect(result.kind).toBe('ok');
      clock.advance(300_000);
      const again = answerChallenge({
        challenge: formatDigestChallenge({ realm, nonce: parseDigestCredentials(authorization).nonce, algorithm: 'SHA-256', qop: ['auth'] }),
        method: 'REGISTER',
        uri: register.requestUri,
        username: 'alice',
        password: 'wonderland',
        nc: 2,
      });
      const c = expectChallenge(await verifier.verify({ ...register, credentials: again.value }));
      expect(c).toMatchObject({ reason: 'NONCE_STALE', stale: true, status: 401 });
      expect(c.values.every((v) => parseDigestChallenge(v).stale)).toBe(true);
      expect(c.values[0]).toContain('stale=true');
      // The device retries with the new nonce and the password it already had.
      const retry = answerChallenge({ challenge: c.values, method: 'REGISTER', uri: register.requestUri, username: 'alice', password: 'wonderland', nc: 1 });
      expect(retry.stale).toBe(true);
      expect(await verifier.verify({ ...register, credentials: retry.value })).toMatchObject({ kind: 'ok', username: 'alice' });
    });

    it('an expired nonce with a wrong response is not stale: stale=true only when the digest was right', async () => {
      const { clock, verifier } = setup();
      const challenge = expectChallenge(await verifier.verify({ ...register, credentials: undefined }));
      clock.advance(301_000);
      const bad = answerChallenge({ challenge: challenge.values, method: 'REGISTER', uri: register.requestUri, username: 'alice', password: 'guess', nc: 1 });
      expect(await verifier.verify({ ...register, credentials: bad.value })).toMatchObject({ reason: 'WRONG_RESPONSE', stale: false });
    });

    it('a tampered nonce gets a plain challenge, not stale', async () => {
      const { verifier } = setup();
      const challenge = expectChallenge(await verifier.verify({ ...register, credentials: undefined }));
      const c = parseDigestChallenge(challenge.values[0]!);
      const nonce = c.nonce.slice(0, 10) + (c.nonce[10] === 'A' ? 'B' : 'A') + c.nonce.slice(11);
      const forged = answerChallenge({
        challenge: formatDigestChallenge({ ...c, nonce }),
        method: 'REGISTER',
        uri: register.requestUri,
        username: 'alice',
        password: 'wonderland',
        nc: 1,
      });
      expect(await verifier.verify({ ...register, credentials: forged.value })).toMatchObject({ reason: 'NONCE_INVALID', stale: false });
    });

    it("a nonce made up by the client, or another server's, is invalid", async () => {
      const { verifier } = setup();
      const other = setup({ secret: Buffer.alloc(32, 2) }).verifier;
      const theirs = other.challenge('REGISTER', realm).values;
      const a = answerChallenge({ challenge: theirs, method: 'REGISTER', uri: register.requestUri, username: 'alice', password: 'wonderland', nc: 1 });
      expect(await verifier.verify({ ...register, credentials: a.value })).toMatchObject({ reason: 'NONCE_INVALID' });
      const made = answerChallenge({
        challenge: 'Digest realm="atlanta.com", nonce="1234", qop="auth", algorithm=SHA-256',
        method: 'REGISTER',
        uri: register.requestUri,
        username: 'alice',
        password: 'wonderland',
        nc: 1,
      });
      expect(await verifier.verify({ ...register, credentials: made.value })).toMatchObject({ reason: 'NONCE_INVALID' });
    });
  });

  describe('replay protection (nc)', () => {
    it('the same credentials sent twice are a replay: refused, with stale=true', async () => {
      const { verifier } = setup();
      const { authorization, result } = await login(verifier, invite, { username: 'alice', password: 'wonderland' });
      expect(result.kind).toBe('ok');
      expect(await verifier.verify({ ...invite, credentials: authorization })).toMatchObject({ kind: 'challenge', reason: 'NONCE_REPLAYED', stale: true });
    });

    it('an increasing nc with the same nonce is accepted; going back is a replay', async () => {
      const { verifier } = setup();
      const challenge = expectChallenge(await verifier.verify({ ...invite, credentials: undefined }));
      const answer = (nc: number) =>
        answerChallenge({ challenge: challenge.values, method: 'INVITE', uri: invite.requestUri, username: 'alice', password: 'wonderland', nc }).value;
      for (const nc of [1, 2, 3, 7]) expect(await verifier.verify({ ...invite, credentials: answer(nc) }), `nc=${nc}`).toMatchObject({ kind: 'ok', nc });
      expect(await verifier.verify({ ...invite, credentials: answer(5) })).toMatchObject({ reason: 'NONCE_REPLAYED' });
      expect(await verifier.verify({ ...invite, credentials: answer(7) })).toMatchObject({ reason: 'NONCE_REPLAYED' });
      expect(await verifier.verify({ ...invite, credentials: answer(8) })).toMatchObject({ kind: 'ok', nc: 8 });
    });

    it('failed attempts do not advance nc: a forger cannot burn the real client\'s counts', async () => {
      const { verifier } = setup();
      const challenge = expectChallenge(await verifier.verify({ ...invite, credentials: undefined }));
      const answer = (nc: number, password: string) =>
        answerChallenge({ challenge: challenge.values, method: 'INVITE', uri: invite.requestUri, username: 'alice', password, nc }).value;
      expect(await verifier.verify({ ...invite, credentials: answer(100, 'guess') })).toMatchObject({ reason: 'WRONG_RESPONSE' });
      expect(await verifier.verify({ ...invite, credentials: answer(1, 'wonderland') })).toMatchObject({ kind: 'ok' });
    });

    it('nc=00000000 is never valid', async () => {
      const { verifier } = setup();
      const { authorization } = await login(verifier, invite, { username: 'alice', password: 'wonderland' });
      const r = expectChallenge(await verifier.verify({ ...invite, credentials: withField(authorization, 'nc', '00000000') }));
      expect(r.reason).toBe('MALFORMED_CREDENTIALS');
    });

    it('a nonce the bounded table had to forget is not trusted: stale=true, never a silent replay', async () => {
      const { verifier } = setup({ maxTrackedNonces: 1 });
      const first = await login(verifier, invite, { username: 'alice', password: 'wonderland' });
      const second = await login(verifier, invite, { username: 'carol', password: 's3cret' });
      expect([first.result.kind, second.result.kind]).toEqual(['ok', 'ok']);
      expect(verifier.trackedNonces).toBe(1);
      // alice's nonce was evicted: even a replay of her first request must not pass.
      expect(await verifier.verify({ ...invite, credentials: first.authorization })).toMatchObject({ reason: 'NONCE_FORGOTTEN', stale: true });
    });

    it('the table forgets nonces once they expire (TTL by the clock)', async () => {
      const { clock, verifier } = setup({ nonceLifetimeMs: 1_000 });
      await login(verifier, invite, { username: 'alice', password: 'wonderland' });
      expect(verifier.trackedNonces).toBe(1);
      clock.advance(1_000);
      await login(verifier, invite, { username: 'alice', password: 'wonderland' });
      expect(verifier.trackedNonces).toBe(1);
    });
  });

  describe('RFC 2069 (no qop)', () => {
    const legacy = async (verifier: DigestVerifier, algorithm: 'MD5' | 'SHA-256') => {
      const nonce = parseDigestChallenge(verifier.challenge('INVITE', realm).values[0]!).nonce;
      return answerChallenge({
        challenge: formatDigestChallenge({ realm, nonce, algorithm }),
        method: 'INVITE',
        uri: invite.requestUri,
        username: 'alice',
        password: 'wonderland',
        nc: 1,
      }).value;
    };

    it('is refused by default', async () => {
      const { verifier } = setup();
      expect(await verifier.verify({ ...invite, credentials: await legacy(verifier, 'MD5') })).toMatchObject({ reason: 'QOP_NOT_OFFERED' });
    });

    it('when enabled, MD5 without qop is accepted once per nonce; reuse gets stale=true', async () => {
      const { verifier } = setup({ acceptRfc2069: true });
      const credentials = await legacy(verifier, 'MD5');
      expect(await verifier.verify({ ...invite, credentials })).toMatchObject({ kind: 'ok', qop: undefined, nc: undefined, algorithm: 'MD5' });
      expect(await verifier.verify({ ...invite, credentials })).toMatchObject({ reason: 'NONCE_REPLAYED', stale: true });
    });

    it('even when enabled, only for MD5', async () => {
      const { verifier } = setup({ acceptRfc2069: true });
      expect(await verifier.verify({ ...invite, credentials: await legacy(verifier, 'SHA-256') })).toMatchObject({ reason: 'QOP_NOT_OFFERED' });
    });
  });

  describe('what the credentials must match', () => {
    it('credentials for another realm are refused (REALM_MISMATCH)', async () => {
      const { verifier } = setup();
      const { authorization } = await login(verifier, invite, { username: 'alice', password: 'wonderland' });
      const r = await verifier.verify({ ...invite, credentials: withField(authorization, 'realm', 'biloxi.com') });
      expect(r).toMatchObject({ kind: 'challenge', reason: 'REALM_MISMATCH', stale: false });
    });

    it('of several Proxy-Authorization values, the one for our realm is used (RFC 3261 §22.3)', async () => {
      const { verifier } = setup();
      const challenge = expectChallenge(await verifier.verify({ ...invite, credentials: undefined }));
      const ours = answerChallenge({ challenge: challenge.values, method: 'INVITE', uri: invite.requestUri, username: 'alice', password: 'wonderland', nc: 1 });
      const theirs = 'Digest username="alice", realm="biloxi.com", nonce="x", uri="sip:bob@biloxi.com", response="00", qop=auth, nc=00000001, cnonce="c"';
      expect(await verifier.verify({ ...invite, credentials: [theirs, 'Digest garbage', ours.value] })).toMatchObject({ kind: 'ok' });
    });

    it('the digest-uri must be the Request-URI (URI_MISMATCH)', async () => {
      const { verifier } = setup();
      const { authorization } = await login(verifier, invite, { username: 'alice', password: 'wonderland' });
      const r = await verifier.verify({ ...invite, requestUri: 'sip:carol@biloxi.com', credentials: authorization });
      expect(r).toMatchObject({ kind: 'challenge', reason: 'URI_MISMATCH' });
    });

    it('a caller may supply its own URI equivalence; the digest covers the uri the client wrote', async () => {
      const { verifier } = setup({ sameUri: (a, b) => a.toLowerCase() === b.toLowerCase() });
      const challenge = verifier.challenge('INVITE', realm);
      const a = answerChallenge({ challenge: challenge.values, method: 'INVITE', uri: 'sip:bob@biloxi.com', username: 'alice', password: 'wonderland', nc: 1 });
      expect(await verifier.verify({ ...invite, requestUri: 'SIP:BOB@BILOXI.COM', credentials: a.value })).toMatchObject({ kind: 'ok' });
    });

    it('the algorithm must be one the server offered', async () => {
      const { verifier } = setup({ algorithms: ['SHA-256'] });
      const nonce = parseDigestChallenge(verifier.challenge('INVITE', realm).values[0]!).nonce;
      const md5 = answerChallenge({
        challenge: formatDigestChallenge({ realm, nonce, algorithm: 'MD5', qop: ['auth'] }),
        method: 'INVITE',
        uri: invite.requestUri,
        username: 'alice',
        password: 'wonderland',
        nc: 1,
      });
      expect(await verifier.verify({ ...invite, credentials: md5.value })).toMatchObject({ reason: 'ALGORITHM_NOT_OFFERED' });
      const absent = withField(md5.value, 'algorithm', undefined); // absent means MD5
      expect(await verifier.verify({ ...invite, credentials: absent })).toMatchObject({ reason: 'ALGORITHM_NOT_OFFERED' });
    });

    it('qop=auth-int is declined unless offered', async () => {
      const { verifier } = setup();
      const nonce = parseDigestChallenge(verifier.challenge('INVITE', realm).values[0]!).nonce;
      const a = answerChallenge({
        challenge: formatDigestChallenge({ realm, nonce, algorithm: 'SHA-256', qop: ['auth-int'] }),
        method: 'INVITE',
        uri: invite.requestUri,
        username: 'alice',
        password: 'wonderland',
        nc: 1,
      });
      expect(await verifier.verify({ ...invite, credentials: a.value })).toMatchObject({ reason: 'QOP_NOT_OFFERED' });
    });

    it('usernames outside the SIP user charset or over the size limit are refused before any lookup', async () => {
      const { verifier } = setup({ limits: { maxUsernameLength: 16 } });
      const spy = vi.fn(lookup);
      const { authorization } = await login(verifier, { ...invite, lookup: spy }, { username: 'alice', password: 'wonderland' });
      spy.mockClear();
      for (const username of ['a b', 'a"b', 'x'.repeat(17), '', 'ünï']) {
        const r = await verifier.verify({ ...invite, lookup: spy, credentials: withField(authorization, 'username', username) });
        expect(r, username).toMatchObject({ kind: 'challenge', reason: 'BAD_USERNAME' });
      }
      expect(spy).not.toHaveBeenCalled();
    });
  });

  describe('malformed credentials', () => {
    it('duplicate parameters are refused with the parser code attached', async () => {
      const { verifier } = setup();
      const { authorization } = await login(verifier, invite, { username: 'alice', password: 'wonderland' });
      const r = expectChallenge(await verifier.verify({ ...invite, credentials: `${authorization}, nc=00000009` }));
      expect(r.reason).toBe('MALFORMED_CREDENTIALS');
      expect(r.error?.code).toBe('DIGEST_DUPLICATE_PARAM');
    });

    it('Basic credentials are refused (RFC 3261 §22.1 forbids Basic)', async () => {
      const { verifier } = setup();
      const r = expectChallenge(await verifier.verify({ ...register, credentials: 'Basic YWxpY2U6d29uZGVybGFuZA==' }));
      expect(r).toMatchObject({ reason: 'MALFORMED_CREDENTIALS', status: 401 });
      expect(r.error?.code).toBe('DIGEST_NOT_DIGEST');
    });

    it('userhash, which we never offer, is refused', async () => {
      const { verifier } = setup();
      const { authorization } = await login(verifier, invite, { username: 'alice', password: 'wonderland' });
      const c = { ...parseDigestCredentials(authorization), userhash: true };
      expect(await verifier.verify({ ...invite, credentials: formatDigestCredentials(c) })).toMatchObject({ reason: 'MALFORMED_CREDENTIALS' });
    });

    it('an oversized header is refused without being parsed', async () => {
      const { verifier } = setup();
      const r = expectChallenge(await verifier.verify({ ...invite, credentials: `Digest username="${'a'.repeat(10_000)}"` }));
      expect(r.error?.code).toBe('DIGEST_TOO_LONG');
    });
  });
});
