import { describe, expect, it } from 'vitest';
import { answerChallenge, parseDigestChallenge } from '../auth/index.ts';
import { H, parseSipDate, serialize, type SipResponse } from '../message/index.ts';
import type { LocationEvent } from './binding.ts';
import { RegistrarError } from './registrar-error.ts';
import { DOMAIN, NAT_SOURCE, T0, contactsOf, registerRequest, setup } from './test-kit.ts';

const ALICE_AOR = `alice@${DOMAIN}`;
const HOME = '<sip:alice@192.168.1.20:5060>';
const DESK = '<sip:alice@192.168.1.21:5060>';

/** Every answer is a response to the request: Via, From, Call-ID, CSeq copied, To tagged (§8.2.6.2). */
function expectWellFormed(res: SipResponse): void {
  expect(res.to?.tag).toMatch(/^[0-9a-f]{16}$/);
  expect(res.headers.count('via')).toBe(1);
  expect(res.callId).toBeDefined();
  expect(res.cseq?.method).toBe('REGISTER');
  // It writes and reads back: nothing in it breaks the grammar.
  expect(() => serialize(res)).not.toThrow();
}

describe('Registrar (RFC 3261 §10.3)', () => {
  describe('authentication (step 3)', () => {
    it('a REGISTER without credentials is challenged with 401 and WWW-Authenticate, realm = the domain', async () => {
      const { phone } = setup();
      const res = await phone('alice', 'wonderland').sendOnce({ contacts: [HOME] });
      expect(res.status).toBe(401);
      expectWellFormed(res);
      const challenges = res.headers.getAll('www-authenticate').map((v) => parseDigestChallenge(v));
      expect(challenges.map((c) => c.algorithm)).toEqual(['SHA-256', 'MD5']);
      for (const c of challenges) expect(c.realm).toBe('Example.COM');
    });

    it('the answer to the challenge registers the contact: 200 lists it with its expires, and a Date', async () => {
      const { phone, location } = setup();
      const alice = phone('alice', 'wonderland');
      const challenge = await alice.sendOnce({ contacts: [HOME], expires: 600 });
      // The second request answers the challenge with answerChallenge, as a phone computes it.
      const authorization = answerChallenge({
        challenge: challenge.headers.getAll('www-authenticate'),
        method: 'REGISTER',
        uri: `sip:${DOMAIN}`,
        username: 'alice',
        password: 'wonderland',
        nc: 1,
      }).value;
      const req = registerRequest({ callId: alice.callId, cseq: 2, contacts: [HOME], expires: 600, authorization });
      const res = await alice.registrar.handle(req, NAT_SOURCE);
      expect(res.status).toBe(200);
      expectWellFormed(res);
      expect(contactsOf(res)).toEqual(['<sip:alice@192.168.1.20:5060>;expires=600']);
      expect(parseSipDate(res.headers.get('date') ?? '').getTime()).toBe(T0);
      expect(location.lookup(ALICE_AOR)).toMatchObject([
        { kind: 'registered', contact: 'sip:alice@192.168.1.20:5060', expiresAt: T0 + 600_000, flow: NAT_SOURCE, userAgent: 'TestPhone/1.0', callId: alice.callId, cseq: 2 },
      ]);
    });

    it('a wrong password gets 401 again and registers nothing', async () => {
      const { phone, location } = setup();
      const res = await phone('alice', 'not-the-password').send({ contacts: [HOME] });
      expect(res.status).toBe(401);
      expectWellFormed(res);
      expect(location.lookup(ALICE_AOR)).toEqual([]);
    });

    it('an unknown digest username gets the same 401 as a wrong password', async () => {
      const { phone } = setup();
      const res = await phone('mallory', 'x', { to: `sip:alice@${DOMAIN}` }).send({ contacts: [HOME] });
      expect(res.status).toBe(401);
    });
  });

  describe('the Request-URI and the address-of-record (steps 1, 4, 5)', () => {
    it('a Request-URI naming a domain we do not serve gets 404 (§21.4.4), before any challenge', async () => {
      const { phone } = setup();
      const res = await phone('alice', 'wonderland').sendOnce({ requestUri: 'sip:elsewhere.net', contacts: [HOME] });
      expect(res.status).toBe(404);
      expectWellFormed(res);
    });

    it('the domain of the Request-URI compares case-insensitively', async () => {
      const { phone } = setup();
      const res = await phone('alice', 'wonderland', { to: 'sip:alice@EXAMPLE.com' }).send({ requestUri: 'sip:eXample.Com', contacts: [HOME] });
      expect(res.status).toBe(200);
    });

    it('a Request-URI that is not a SIP URI gets 416 (§8.2.2.1)', async () => {
      const { registrar } = setup();
      const res = await registrar.handle(registerRequest({ requestUri: 'tel:+15551234', cseq: 1, contacts: [HOME] }), NAT_SOURCE);
      expect(res.status).toBe(416);
    });

    it('an authenticated user registering someone else’s address-of-record gets 403', async () => {
      const { phone, location } = setup();
      const res = await phone('alice', 'wonderland', { to: `sip:bob@${DOMAIN}` }).send({ contacts: [HOME] });
      expect(res.status).toBe(403);
      expectWellFormed(res);
      expect(location.lookup(`bob@${DOMAIN}`)).toEqual([]);
    });

    it('a To naming no account of the domain gets 404 once authenticated', async () => {
      const { phone } = setup();
      const res = await phone('alice', 'wonderland', { to: `sip:nobody@${DOMAIN}` }).send({ contacts: [HOME] });
      expect(res.status).toBe(404);
      expectWellFormed(res);
    });

    it('a To of another domain than the Request-URI is not an address-of-record of that domain: 404', async () => {
      const { phone } = setup();
      const res = await phone('alice', 'wonderland', { to: 'sip:carol@other.org' }).send({ contacts: [HOME] });
      expect(res.status).toBe(404);
    });

    it('without credentials, an unknown To is challenged like any other: no account enumeration', async () => {
      const { phone } = setup();
      const res = await phone('alice', 'wonderland', { to: `sip:nobody@${DOMAIN}` }).sendOnce({ contacts: [HOME] });
      expect(res.status).toBe(401);
    });

    it('a To holding the account’s phone number registers that account', async () => {
      const { phone, location } = setup();
      const res = await phone('alice', 'wonderland', { to: `sip:101@${DOMAIN}` }).send({ contacts: [HOME] });
      expect(res.status).toBe(200);
      expect(location.lookup(ALICE_AOR)).toHaveLength(1);
    });
  });

  describe('Require (step 2)', () => {
    it('an option tag we do not support in Require gets 420 listing it in Unsupported', async () => {
      const { phone } = setup();
      const res = await phone('alice', 'wonderland').sendOnce({ contacts: [HOME], extra: ['Require: path, outbound'] });
      expect(res.status).toBe(420);
      expectWellFormed(res);
      expect(res.headers.values('unsupported')).toEqual(['path', 'outbound']);
    });

    it('Supported and Proxy-Require are no reason to refuse', async () => {
      const { phone } = setup();
      const res = await phone('alice', 'wonderland').send({ contacts: [HOME], extra: ['Supported: path, outbound, gruu', 'Proxy-Require: foo'] });
      expect(res.status).toBe(200);
    });
  });

  describe('contacts (steps 6 to 8)', () => {
    it('several contacts of one account are all bound; the 200 lists each; lookup ranks them by q', async () => {
      const { phone, location } = setup();
      const res = await phone('alice', 'wonderland').send({ contacts: [`${HOME};q=0.5`, `${DESK};q=0.9`], expires: 300 });
      expect(res.status).toBe(200);
      expect(contactsOf(res)).toEqual(['<sip:alice@192.168.1.20:5060>;q=0.5;expires=300', '<sip:alice@192.168.1.21:5060>;q=0.9;expires=300']);
      expect(location.lookup(ALICE_AOR).map((b) => [b.contact, b.q])).toEqual([
        ['sip:alice@192.168.1.21:5060', 0.9],
        ['sip:alice@192.168.1.20:5060', 0.5],
      ]);
    });

    it('contacts registered from two phones (two Call-IDs) are kept side by side', async () => {
      const { phone, location } = setup();
      expect((await phone('alice', 'wonderland').send({ contacts: [HOME] })).status).toBe(200);
      const res = await phone('alice', 'wonderland', { callId: 'desk-phone-call' }).send({ contacts: [DESK] });
      expect(contactsOf(res)).toHaveLength(2);
      expect(location.lookup(ALICE_AOR)).toHaveLength(2);
    });

    it('a refresh updates the expiry of the binding instead of adding one', async () => {
      const { phone, location, clock } = setup();
      const alice = phone('alice', 'wonderland');
      await alice.send({ contacts: [HOME], expires: 600 });
      clock.advance(500_000);
      // The same URI with a parameter the first lacked (one §19.1.4 ignores) is the same binding.
      const res = await alice.send({ contacts: ['<sip:alice@192.168.1.20:5060;ob>'], expires: 600 });
      expect(res.status).toBe(200);
      const [binding, ...rest] = location.registered(ALICE_AOR);
      expect(rest).toEqual([]);
      expect(binding?.expiresAt).toBe(T0 + 500_000 + 600_000);
      expect(binding?.registeredAt).toBe(T0);
    });

    it('per-contact expires wins over the Expires header; without either the default (3600) applies', async () => {
      const { phone } = setup();
      const res = await phone('alice', 'wonderland').send({ contacts: [`${HOME};expires=120`, DESK], expires: 900 });
      expect(contactsOf(res)).toEqual(['<sip:alice@192.168.1.20:5060>;expires=120', '<sip:alice@192.168.1.21:5060>;expires=900']);
      const res2 = await phone('bob', 'builder').send({ contacts: ['<sip:bob@192.168.1.30>'] });
      expect(contactsOf(res2)).toEqual(['<sip:bob@192.168.1.30>;expires=3600']);
    });

    it('a binding is gone once its expiry passes', async () => {
      const { phone, location, clock } = setup();
      await phone('alice', 'wonderland').send({ contacts: [HOME], expires: 60 });
      clock.advance(59_999);
      expect(location.lookup(ALICE_AOR)).toHaveLength(1);
      clock.advance(1);
      expect(location.lookup(ALICE_AOR)).toEqual([]);
    });

    it('the 200 gives the remaining time of bindings it did not change', async () => {
      const { phone, clock } = setup();
      const alice = phone('alice', 'wonderland');
      await alice.send({ contacts: [HOME], expires: 600 });
      clock.advance(100_000);
      const res = await alice.send({ contacts: [DESK], expires: 600 });
      expect(contactsOf(res)).toEqual(['<sip:alice@192.168.1.20:5060>;expires=500', '<sip:alice@192.168.1.21:5060>;expires=600']);
    });

    it('Expires: 0 on one contact removes that binding and keeps the others', async () => {
      const { phone, location } = setup();
      const alice = phone('alice', 'wonderland');
      await alice.send({ contacts: [HOME, DESK] });
      const res = await alice.send({ contacts: [`${HOME};expires=0`] });
      expect(res.status).toBe(200);
      expect(contactsOf(res)).toEqual(['<sip:alice@192.168.1.21:5060>;expires=3600']);
      expect(location.lookup(ALICE_AOR).map((b) => b.contact)).toEqual(['sip:alice@192.168.1.21:5060']);
    });

    it('removing a contact that is not bound is no error', async () => {
      const { phone } = setup();
      const res = await phone('alice', 'wonderland').send({ contacts: [HOME], expires: 0 });
      expect(res.status).toBe(200);
      expect(contactsOf(res)).toEqual([]);
    });

    it('Contact: * with Expires: 0 removes every binding of the address-of-record', async () => {
      const { phone, location } = setup();
      const alice = phone('alice', 'wonderland');
      await alice.send({ contacts: [HOME, DESK] });
      await phone('alice', 'wonderland', { callId: 'other-phone' }).send({ contacts: ['<sip:alice@10.0.0.9>'] });
      const res = await alice.send({ contacts: ['*'], expires: 0 });
      expect(res.status).toBe(200);
      expect(contactsOf(res)).toEqual([]);
      expect(location.lookup(ALICE_AOR)).toEqual([]);
    });

    it('Contact: * alongside another Contact is invalid: 400', async () => {
      const { phone, location } = setup();
      const alice = phone('alice', 'wonderland');
      await alice.send({ contacts: [HOME] });
      const res = await alice.send({ contacts: ['*', DESK], expires: 0 });
      expect(res.status).toBe(400);
      expectWellFormed(res);
      expect(location.lookup(ALICE_AOR)).toHaveLength(1);
    });

    it('Contact: * with an Expires other than zero, or none, is invalid: 400', async () => {
      const { phone } = setup();
      const alice = phone('alice', 'wonderland');
      expect((await alice.send({ contacts: ['*'], expires: 60 })).status).toBe(400);
      expect((await alice.send({ contacts: ['*'] })).status).toBe(400);
    });

    it('an interval shorter than the minimum gets 423 Interval Too Brief with Min-Expires, and changes nothing', async () => {
      const { phone, location } = setup();
      const alice = phone('alice', 'wonderland');
      const res = await alice.send({ contacts: [DESK, `${HOME};expires=30`] });
      expect(res.status).toBe(423);
      expect(res.reason).toBe('Interval Too Brief');
      expectWellFormed(res);
      expect(res.headers.one(H.minExpires)).toBe(60);
      expect(location.lookup(ALICE_AOR)).toEqual([]);
      // Retrying with the minimum succeeds.
      expect((await alice.send({ contacts: [`${HOME};expires=60`] })).status).toBe(200);
    });

    it('an interval longer than the maximum is shortened to it', async () => {
      const { phone } = setup({ limits: { maxExpires: 1800, defaultExpires: 1800 } });
      const res = await phone('alice', 'wonderland').send({ contacts: [HOME], expires: 86_400 });
      expect(contactsOf(res)).toEqual(['<sip:alice@192.168.1.20:5060>;expires=1800']);
    });

    it('more contacts than the limit allows are refused with 403 and none is added', async () => {
      const { phone, location } = setup({ limits: { maxContactsPerAor: 2 } });
      const alice = phone('alice', 'wonderland');
      expect((await alice.send({ contacts: [HOME, DESK] })).status).toBe(200);
      const res = await alice.send({ contacts: ['<sip:alice@10.0.0.3>'] });
      expect(res.status).toBe(403);
      expect(res.reason).toBe('Forbidden - Too Many Contacts');
      expect(location.lookup(ALICE_AOR)).toHaveLength(2);
      // Refreshing what is there, or replacing one contact by another, stays within the limit.
      expect((await alice.send({ contacts: [HOME, DESK] })).status).toBe(200);
      expect((await alice.send({ contacts: [`${HOME};expires=0`, '<sip:alice@10.0.0.3>'] })).status).toBe(200);
    });

    it('a REGISTER without Contact is a query: 200 listing the current bindings, none changed', async () => {
      const { phone, location, clock } = setup();
      const alice = phone('alice', 'wonderland');
      await alice.send({ contacts: [HOME], expires: 600 });
      clock.advance(10_000);
      const before = location.registered(ALICE_AOR);
      const res = await alice.send({});
      expect(res.status).toBe(200);
      expect(contactsOf(res)).toEqual(['<sip:alice@192.168.1.20:5060>;expires=590']);
      expect(res.headers.has('date')).toBe(true);
      expect(location.registered(ALICE_AOR)).toEqual(before);
    });

    it('a REGISTER with the Call-ID of a binding and a lower CSeq fails with 500, changing nothing', async () => {
      const { phone, location } = setup();
      const alice = phone('alice', 'wonderland');
      await alice.send({ contacts: [HOME], expires: 600 });
      const stored = location.registered(ALICE_AOR);
      const cseq = stored[0]?.cseq ?? 0;
      // A delayed copy of an earlier REGISTER that would have removed the binding and added another.
      const res = await alice.sendOnce({ cseq: cseq - 1, contacts: [`${HOME};expires=0`, DESK] });
      expect(res.status).toBe(500);
      expectWellFormed(res);
      expect(location.registered(ALICE_AOR)).toEqual(stored);
      // An equal CSeq is no newer either.
      expect((await alice.sendOnce({ cseq, contacts: [HOME] })).status).toBe(500);
    });

    it('a lower CSeq under another Call-ID (a rebooted phone) updates the binding', async () => {
      const { phone, location } = setup();
      const first = phone('alice', 'wonderland', { callId: 'boot-1' });
      first.cseq = 100;
      await first.send({ contacts: [HOME], expires: 600 });
      const res = await phone('alice', 'wonderland', { callId: 'boot-2' }).send({ contacts: [HOME], expires: 300 });
      expect(res.status).toBe(200);
      expect(location.registered(ALICE_AOR)).toMatchObject([{ callId: 'boot-2', expiresAt: T0 + 300_000 }]);
    });

    it('the source address is stored as the flow beside the Contact', async () => {
      const { phone, location } = setup();
      const source = { transport: 'tcp', host: '198.51.100.4', port: 51000, connectionId: 'c-17' };
      await phone('alice', 'wonderland', { source }).send({
        contacts: [`${HOME};+sip.instance="<urn:uuid:00000000-0000-1000-8000-000A95A0E128>";reg-id=1`],
      });
      expect(location.registered(ALICE_AOR)).toMatchObject([
        { contact: 'sip:alice@192.168.1.20:5060', flow: source, instanceId: '<urn:uuid:00000000-0000-1000-8000-000A95A0E128>', regId: 1 },
      ]);
    });

    it('a malformed Contact gets 400 with the parser’s reason', async () => {
      const { phone } = setup();
      const res = await phone('alice', 'wonderland').send({ contacts: ['<sip:alice@192.168.1.20>;expires=soon'] });
      expect(res.status).toBe(400);
      expect(res.reason).toBe('Bad Request - Malformed Contact');
      expectWellFormed(res);
    });

    it('a Contact that is not a SIP URI is refused with 400', async () => {
      const { phone } = setup();
      const res = await phone('alice', 'wonderland').send({ contacts: ['<mailto:alice@example.com>'] });
      expect(res.status).toBe(400);
    });
  });

  describe('static contacts', () => {
    it('are present from the start and never expire', async () => {
      const { location, clock } = setup();
      expect(location.lookup(`trunk@${DOMAIN}`)).toEqual([{ kind: 'static', aor: `trunk@${DOMAIN}`, contact: 'sip:gw.example.net:5080', q: undefined }]);
      clock.advance(10 * 86_400_000);
      expect(location.lookup(`trunk@${DOMAIN}`)).toHaveLength(1);
    });

    it('cannot be removed by REGISTER, neither by * nor by expires=0 on the same URI', async () => {
      const { phone, location } = setup();
      const trunk = phone('trunk', 'trunkpw');
      expect((await trunk.send({ contacts: ['*'], expires: 0 })).status).toBe(200);
      expect((await trunk.send({ contacts: ['<sip:gw.example.net:5080>'], expires: 0 })).status).toBe(200);
      expect(location.lookup(`trunk@${DOMAIN}`).map((b) => b.kind)).toEqual(['static']);
    });

    it('sit beside registered contacts, which a REGISTER manages alone', async () => {
      const { phone, location } = setup();
      const res = await phone('trunk', 'trunkpw').send({ contacts: ['<sip:trunk@192.0.2.50>;q=0.5'] });
      // The 200 lists what REGISTER manages: the static contact is configuration.
      expect(contactsOf(res)).toEqual(['<sip:trunk@192.0.2.50>;q=0.5;expires=3600']);
      expect(location.lookup(`trunk@${DOMAIN}`).map((b) => b.kind)).toEqual(['static', 'registered']);
    });
  });

  describe('change events', () => {
    it('subscribers hear of added, refreshed, removed and expired bindings, after the commit', async () => {
      const { phone, location, clock } = setup();
      const events: string[] = [];
      const off = location.subscribe((e: LocationEvent) => {
        // Told after the commit: the change is visible to the listener.
        expect(location.registered(e.aor).some((b) => b.contact === e.binding.contact)).toBe(e.type === 'added' || e.type === 'refreshed');
        events.push(`${e.type} ${e.binding.contact}`);
      });
      const alice = phone('alice', 'wonderland');
      await alice.send({ contacts: [HOME, DESK], expires: 600 });
      await alice.send({ contacts: [`${HOME};expires=60`, `${DESK};expires=0`] });
      clock.advance(60_000);
      location.sweep();
      off();
      await alice.send({ contacts: [HOME] });
      expect(events).toEqual([
        'added sip:alice@192.168.1.20:5060',
        'added sip:alice@192.168.1.21:5060',
        'refreshed sip:alice@192.168.1.20:5060',
        'removed sip:alice@192.168.1.21:5060',
        'expired sip:alice@192.168.1.20:5060',
      ]);
    });
  });

  it('REGISTERs are processed in the order they were handed in', async () => {
    const { phone, location } = setup();
    const alice = phone('alice', 'wonderland');
    await alice.send({ contacts: [HOME] });
    const answers = await Promise.all([alice.sendOnce({ contacts: [DESK] }), alice.sendOnce({ contacts: [`${DESK};expires=0`] })]);
    expect(answers.map((r) => r.status)).toEqual([200, 200]);
    expect(contactsOf(answers[1]!)).toEqual(['<sip:alice@192.168.1.20:5060>;expires=3600']);
    // Taken the other way round, the removal would have found nothing and the desk would stay.
    expect(location.registered(ALICE_AOR).map((b) => b.contact)).toEqual(['sip:alice@192.168.1.20:5060']);
  });

  it('refuses to handle anything but REGISTER', () => {
    const { registrar } = setup();
    const req = registerRequest({ cseq: 1 });
    req.method = 'OPTIONS';
    expect(() => registrar.handle(req, NAT_SOURCE)).toThrowError(RegistrarError);
  });
});
