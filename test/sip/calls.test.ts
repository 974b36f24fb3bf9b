// B2B calls and routing between in-process phones through a SIP node on loopback UDP: what is
// refused and how, what is relayed, what the call store and the call events say.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { InDialogRefer } from '../../b2bua/index.ts';
import { TestPhone as RtpPhone, rtpPacket } from '../../media/test-phone.ts';
import { answerChallenge } from '../../sip/auth/index.ts';
import { createRequest, generateTag, type SipRequest, type SipResponse } from '../../sip/message/index.ts';
import type { ServerTransaction } from '../../sip/transaction/index.ts';
import { DIALOG_ID_RE } from '../../store/ids.ts';
import { DOMAIN, startTestNode, until, type TestNode } from './helpers/node.ts';
import { TestPhone, audioOf, directionOf, sdpOffer, type IncomingCall } from './helpers/test-phone.ts';

let t: TestNode;
let alice: TestPhone; // sip1, the caller
let bob: TestPhone; // sip3, registered
let bob2: TestPhone; // sip3 again, registered only for the forking tests
let referHook: ((r: InDialogRefer) => boolean) | undefined;
const phones: TestPhone[] = [];

beforeAll(async () => {
  t = await startTestNode({ noAnswerTimeoutMs: 1_500, onInDialogRefer: (r) => referHook?.(r) ?? false });
  alice = await TestPhone.open({ login: 'sip1', password: 'secret1', serverPort: t.port });
  bob = await TestPhone.open({ login: 'sip3', password: 'secret3', serverPort: t.port });
  bob2 = await TestPhone.open({ login: 'sip3', password: 'secret3', serverPort: t.port });
  phones.push(alice, bob, bob2);
  expect((await bob.register()).status).toBe(200);
});

afterAll(async () => {
  await Promise.all(phones.map((p) => p.close()));
  await t?.stop();
});

afterEach(async () => {
  await until(() => t.store.size === 0 && t.node.calls.size === 0, 'calls to end');
  bob.resetHandlers();
  bob2.resetHandlers();
  referHook = undefined;
});

/** A request from alice outside a dialog, answered once more with credentials on 407. */
async function outOfDialog(method: string, uri: string, extra: [string, string][] = []): Promise<{ first: SipResponse; last: SipResponse }> {
  const callId = `ood-${generateTag()}`;
  const build = (cseq: number, auth?: string) =>
    createRequest({
      method,
      uri,
      from: `<sip:sip1@${DOMAIN}>;tag=${generateTag()}`,
      to: `<${uri}>`,
      callId,
      cseq,
      contact: alice.contact,
      headers: [...extra, ...(auth ? ([['Proxy-Authorization', auth]] as [string, string][]) : [])],
    });
  const first = await alice.transact(build(1));
  if (first.status !== 407) return { first, last: first };
  const auth = answerChallenge({ challenge: first.headers.getAll('proxy-authenticate'), method, uri, username: 'sip1', password: 'secret1', nc: 1 });
  return { first, last: await alice.transact(build(2, auth.value)) };
}

function dialog() {
  return [...t.store.all()][0]?.dialog;
}

describe('routing inside a domain', () => {
  it('OPTIONS to the server itself is answered 200 with Allow, Accept and Supported, without a challenge', async () => {
    const res = await alice.transact(createRequest({ method: 'OPTIONS', uri: `sip:${DOMAIN}`, from: `<sip:sip1@${DOMAIN}>;tag=o1`, to: `<sip:${DOMAIN}>`, cseq: 1 }));
    expect(res.status).toBe(200);
    expect(res.headers.get('allow')).toContain('INVITE');
    expect(res.headers.get('accept')).toBe('application/sdp');
    expect(res.headers.has('supported')).toBe(true);
  });

  it('an INVITE without credentials is challenged with 407 for the domain: no open relay', async () => {
    const res = await alice.transact(
      createRequest({ method: 'INVITE', uri: `sip:13@${DOMAIN}`, from: `<sip:sip1@${DOMAIN}>;tag=x`, to: `<sip:13@${DOMAIN}>`, cseq: 1, contact: alice.contact, body: sdpOffer(4000), contentType: 'application/sdp' }),
    );
    expect(res.status).toBe(407);
    expect(res.headers.getAll('proxy-authenticate').join()).toContain(`realm="${DOMAIN}"`);
    expect(bob.incoming).toHaveLength(0);
  });

  it('a wrong password gets another 407 and no call', async () => {
    const call = await alice.call('13', { password: 'wrong' });
    expect(call.final?.status).toBe(407);
    expect(t.events).toHaveLength(0);
  });

  it('a Request-URI host that is not one of our domains is 404 (we relay to no other domain)', async () => {
    const res = await alice.transact(createRequest({ method: 'INVITE', uri: 'sip:13@other.example', from: `<sip:sip1@${DOMAIN}>;tag=x`, to: '<sip:13@other.example>', cseq: 1, contact: alice.contact }));
    expect([res.status, res.reason]).toEqual([404, 'Not Found - Unknown Domain']);
  });

  it('an unknown number is 404 and a known account with no contact is 480', async () => {
    expect((await alice.call('999')).final?.status).toBe(404);
    expect((await alice.call('14')).final?.status).toBe(480);
  });

  it('a conference feature code is a conference route, answered 480 until conferences have media', async () => {
    const call = await alice.call('*99123');
    expect([call.final?.status, call.final?.reason]).toEqual([480, 'Temporarily Unavailable - conference not available yet']);
  });

  it('the intercom feature code calls the number with auto-answer headers on the b leg', async () => {
    const call = await alice.call('*8813');
    expect(call.final?.status).toBe(200);
    const inv = bob.incoming.at(-1)!.request;
    expect(inv.to?.uri).toMatchObject({ user: '13', host: DOMAIN });
    expect(inv.headers.get('call-info')).toBe(`<sip:${DOMAIN}>;answer-after=0`);
    expect(inv.headers.get('alert-info')).toBe('<http://127.0.0.1>;info=alert-autoanswer');
    await call.bye();
  });

  it('an account can be called by its login as well as its number', async () => {
    const call = await alice.call('sip3');
    expect(call.final?.status).toBe(200);
    expect(bob.incoming.at(-1)!.request.to?.uri).toMatchObject({ user: 'sip3' });
    expect(dialog()!.legs[1]!.remoteuri).toBe(`<sip:sip3@${DOMAIN}>`);
    await call.bye();
  });

  it('REGISTER is the registrar\'s: challenged with 401', async () => {
    const res = await alice.transact(createRequest({ method: 'REGISTER', uri: `sip:${DOMAIN}`, from: `<sip:sip1@${DOMAIN}>;tag=r`, to: `<sip:sip1@${DOMAIN}>`, cseq: 1, contact: alice.contact }));
    expect(res.status).toBe(401);
  });

  it('MESSAGE outside a dialog is challenged, then refused with 405 and Allow', async () => {
    const { first, last } = await outOfDialog('MESSAGE', `sip:13@${DOMAIN}`);
    expect(first.status).toBe(407);
    expect(last.status).toBe(405);
    expect(last.headers.get('allow')).toBe('INVITE, ACK, CANCEL, OPTIONS, REGISTER');
  });

  it('an unknown method is 501, a BYE matching no dialog 481', async () => {
    expect((await outOfDialog('FROBNICATE', `sip:13@${DOMAIN}`)).last.status).toBe(501);
    expect((await outOfDialog('BYE', `sip:13@${DOMAIN}`)).last.status).toBe(481);
    const bye = createRequest({ method: 'BYE', uri: `sip:13@${DOMAIN}`, from: `<sip:sip1@${DOMAIN}>;tag=a`, to: `<sip:13@${DOMAIN}>;tag=nosuch`, cseq: 5 });
    expect((await alice.transact(bye)).status).toBe(481);
  });

  it('Require with an option tag we do not support is 420; Max-Forwards 0 is 483', async () => {
    const r = await alice.call('13', { headers: [['Require', '100rel']] });
    expect([r.final?.status, r.final?.headers.get('unsupported')]).toEqual([420, '100rel']);
    const mf = await alice.call('13', { maxForwards: 0 });
    expect(mf.final?.status).toBe(483);
  });

});

describe('B2B calls', () => {
  it('rings in forking, answers into dialog, and a BYE from the caller ends both legs', async () => {
    let forking: ReturnType<typeof dialog>;
    bob.onInvite = (c) => {
      c.ring();
      setTimeout(() => {
        forking = structuredClone(dialog());
        c.answer();
      }, 30);
    };
    const call = await alice.call('13', { displayName: 'Alice' });
    expect(call.final?.status).toBe(200);
    expect(forking!).toMatchObject({ status: 'forking' });
    expect(forking!.legs[1]!.expirets).toBeGreaterThan(1_000);
    const [entry] = [...t.store.all()];
    const d = entry!.dialog;
    expect(d.dialogid).toMatch(DIALOG_ID_RE);
    expect(d.status).toBe('dialog');
    expect(d.acallid).toBe(call.invite.callId);
    expect(d.callids).toEqual([`rB2-001-${d.dialogid.slice(-6)}-01-${d.acallid}`, d.acallid]);
    expect(d.legs).toEqual([
      { callid: d.acallid, expirets: 'undefined', localuri: `<sip:13@${DOMAIN}>`, remoteuri: `<sip:sip1@${DOMAIN}>`, side: 'a' },
      { callid: d.callids[0], expirets: 'undefined', localuri: `<sip:11@${DOMAIN}>`, remoteuri: `<sip:13@${DOMAIN}>`, side: 'b' },
    ]);
    expect(entry!.participants).toEqual([
      { domain: DOMAIN, sipuserId: 1, login: 'sip1', phonenumber: '11' },
      { domain: DOMAIN, sipuserId: 3, login: 'sip3', phonenumber: '13' },
    ]);
    // The callee sees the caller's number in our domain (display name kept) and our media address.
    const inv = bob.incoming.at(-1)!.request;
    expect(inv.from?.uri).toMatchObject({ user: '11', host: DOMAIN });
    expect(inv.from?.displayName).toBe('Alice');
    expect(inv.headers.get('max-forwards')).toBe('69');
    expect(audioOf(inv.body.toString())).not.toEqual({ host: '127.0.0.1', port: alice.mediaPort });
    expect(audioOf(call.final!.body.toString())).not.toEqual({ host: '127.0.0.1', port: bob.mediaPort });
    expect((await call.bye()).status).toBe(200);
    await until(() => t.store.size === 0, 'the dialog to leave the store');
    expect(bob.incoming.at(-1)!.ended).toBe(true);
    expect(t.events.filter((e) => e.dialogid === d.dialogid).map((e) => [e.type, e.cause, e.status])).toEqual([
      ['start', undefined, undefined],
      ['ring', undefined, 180],
      ['answer', undefined, 200],
      ['end', 'bye-a', undefined],
    ]);
  });

  it('§13.2.1 late offer: the callee\'s offer comes in the 200, the caller\'s answer in its ACK, both anchored', async () => {
    const call = await alice.call('13', { body: '', ackBody: sdpOffer(alice.mediaPort) });
    expect(call.final?.status).toBe(200);
    const id = dialog()!.dialogid;
    const session = t.node.media.get(id)!;
    expect(bob.incoming.at(-1)!.request.body.length).toBe(0);
    expect(audioOf(call.final!.body.toString())).toEqual({ host: '127.0.0.1', port: session.local('a').rtpPort });
    await until(() => bob.incoming.at(-1)!.acked === 1, 'the ACK with the answer on the b leg');
    const ack = bob.acks.at(-1)!;
    expect(audioOf(ack.body.toString())).toEqual({ host: '127.0.0.1', port: session.local('b').rtpPort });
    expect(session.stats().a.remote?.rtpPort).toBe(alice.mediaPort);
    expect(session.stats().b.remote?.rtpPort).toBe(bob.mediaPort);
    await call.bye();
  });

  it('183 Session Progress with early media is relayed with its SDP anchored on our relay', async () => {
    bob.onInvite = (c) => {
      c.tx.reply(183, undefined, { headers: [['Contact', bob.contact]], body: sdpOffer(bob.mediaPort), contentType: 'application/sdp' });
      setTimeout(() => c.answer(), 20);
    };
    const call = await alice.call('13');
    const early = call.provisionals.find((p) => p.status === 183)!;
    const id = dialog()!.dialogid;
    expect(audioOf(early.body.toString())).toEqual({ host: '127.0.0.1', port: t.node.media.get(id)!.local('a').rtpPort });
    expect(t.node.media.get(id)!.stats().b.remote?.rtpPort).toBe(bob.mediaPort);
    expect(t.events.filter((e) => e.dialogid === id && e.type === 'ring')).toMatchObject([{ status: 183 }]);
    // The 200 repeats the same description: the o= version the caller sees does not move (RFC 3264 §8).
    const version = (sdp: string) => /o=\S+ \S+ (\d+)/.exec(sdp)?.[1];
    expect(version(call.final!.body.toString())).toBe(version(early.body.toString()));
    await call.bye();
  });

  it('a ringing b leg\'s expirets counts down while it is read', async () => {
    let first = 0;
    let later = 0;
    bob.onInvite = (c) => {
      c.ring();
      setTimeout(() => {
        first = dialog()!.legs[1]!.expirets as number;
        setTimeout(() => {
          later = JSON.parse(JSON.stringify(dialog()!)).legs[1].expirets;
          c.answer();
        }, 60);
      }, 10);
    };
    const call = await alice.call('13');
    expect(later).toBeLessThan(first);
    expect(later).toBeGreaterThan(0);
    await call.bye();
  });

  it('media is relayed: RTP from each phone reaches the other through the anchored addresses', async () => {
    const rtpA = await RtpPhone.open();
    const rtpB = await RtpPhone.open();
    try {
      const a = await TestPhone.open({ login: 'sip1', password: 'secret1', serverPort: t.port, mediaPort: rtpA.port });
      const b = await TestPhone.open({ login: 'sip4', password: 'secret4', serverPort: t.port, mediaPort: rtpB.port });
      phones.push(a, b);
      await b.register();
      const call = await a.call('14');
      const toA = audioOf(call.final!.body.toString());
      const toB = audioOf(b.incoming.at(-1)!.request.body.toString());
      await rtpA.send(rtpPacket(1, 0xaaaa), toA.port, toA.host);
      await rtpB.send(rtpPacket(1, 0xbbbb), toB.port, toB.host);
      await rtpB.waitFor(1);
      await rtpA.waitFor(1);
      expect(rtpB.received[0]!.msg.readUInt32BE(8)).toBe(0xaaaa);
      expect(rtpA.received[0]!.msg.readUInt32BE(8)).toBe(0xbbbb);
      await call.bye();
      await b.register(0);
    } finally {
      await rtpA.close();
      await rtpB.close();
    }
  });

  it('a re-INVITE with sendonly (hold) is relayed with anchored SDP and answered recvonly', async () => {
    const call = await alice.call('13');
    const res = await call.request('INVITE', sdpOffer(alice.mediaPort, 'sendonly'));
    expect(res.status).toBe(200);
    expect(directionOf(res.body.toString())).toBe('recvonly');
    const reinvite = bob.received.filter((r) => r.method === 'INVITE').at(-1)!;
    expect(directionOf(reinvite.body.toString())).toBe('sendonly');
    expect(reinvite.to?.tag).toBeDefined();
    expect(t.node.media.get(dialog()!.dialogid)!.stats().a.remote?.rtpPort).toBe(alice.mediaPort);
    // Unhold.
    expect(directionOf((await call.request('INVITE', sdpOffer(alice.mediaPort, 'sendrecv'))).body.toString())).toBe('sendrecv');
    await bob.incoming.at(-1)!.bye();
    await until(() => t.store.size === 0, 'the call to end');
    expect(t.events.at(-1)).toMatchObject({ type: 'end', cause: 'bye-b' });
  });

  it('a re-INVITE from the callee side reaches the caller', async () => {
    const call = await alice.call('13');
    const incoming = bob.incoming.at(-1)!;
    await until(() => incoming.acked > 0, 'the ACK on the b leg');
    const res = await incoming.send('INVITE', sdpOffer(bob.mediaPort, 'inactive'));
    expect(res.status).toBe(200);
    const reinvite = alice.received.filter((r) => r.method === 'INVITE').at(-1)!;
    expect(reinvite.callId).toBe(call.invite.callId);
    expect(directionOf(reinvite.body.toString())).toBe('inactive');
    await call.bye();
  });

  it('glare: a re-INVITE while another is pending is answered 491 Request Pending', async () => {
    const call = await alice.call('13');
    const incoming = bob.incoming.at(-1)!;
    let held: ServerTransaction | undefined;
    bob.onReoffer = (tx) => (held = tx);
    const pending = call.request('INVITE', sdpOffer(alice.mediaPort, 'sendonly'));
    await until(() => held !== undefined, 'the re-INVITE at the callee');
    const glare = await incoming.send('INVITE', sdpOffer(bob.mediaPort, 'sendonly'));
    expect(glare.status).toBe(491);
    held!.reply(200, undefined, { headers: [['Contact', bob.contact]], body: sdpOffer(bob.mediaPort, 'recvonly'), contentType: 'application/sdp' });
    expect((await pending).status).toBe(200);
    await call.bye();
  });

  it('UPDATE with an offer is relayed like a re-INVITE (RFC 3311), the answer anchored', async () => {
    const call = await alice.call('13');
    const res = await call.request('UPDATE', sdpOffer(alice.mediaPort, 'sendonly'));
    expect(res.status).toBe(200);
    expect(directionOf(res.body.toString())).toBe('recvonly');
    expect(audioOf(res.body.toString()).port).toBe(t.node.media.get(dialog()!.dialogid)!.local('a').rtpPort);
    expect(bob.received.filter((r) => r.method === 'UPDATE')).toHaveLength(1);
    await call.bye();
  });

  it('CANCEL of a relayed re-INVITE is passed on, and its 487 comes back', async () => {
    const call = await alice.call('13');
    let held: ServerTransaction | undefined;
    bob.onReoffer = (tx) => {
      held = tx;
      tx.reply(180);
    };
    const reinvite = call.dialog!.createRequest('INVITE', { body: sdpOffer(alice.mediaPort, 'inactive'), contentType: 'application/sdp' });
    const final = new Promise<SipResponse>((resolve) => {
      const tx = alice.layer.sendRequest(reinvite, alice.server, {
        onResponse: (r) => {
          if (r.status === 100) alice.layer.cancel(tx as never);
          if (r.status >= 200) resolve(r);
        },
      });
    });
    expect((await final).status).toBe(487);
    expect(held!.request.method).toBe('INVITE');
    expect(bob.received.some((r) => r.method === 'CANCEL' && r.callId === held!.request.callId)).toBe(true);
    await call.bye();
  });

  it('INFO and MESSAGE within the dialog are relayed to the other leg with their body, the answer back', async () => {
    const call = await alice.call('13');
    const info = call.dialog!.createRequest('INFO', { body: 'Signal=5\r\nDuration=160\r\n', contentType: 'application/dtmf-relay' });
    expect((await alice.transact(info)).status).toBe(200);
    const got = bob.received.filter((r) => r.method === 'INFO').at(-1)!;
    expect(got.body.toString()).toBe('Signal=5\r\nDuration=160\r\n');
    expect(got.headers.get('content-type')).toBe('application/dtmf-relay');
    expect(got.callId).toMatch(/^rB2-001-/);
    const incoming = bob.incoming.at(-1)!;
    expect((await incoming.send('MESSAGE', 'hello', 'text/plain')).status).toBe(200);
    expect(alice.received.filter((r) => r.method === 'MESSAGE').at(-1)!.body.toString()).toBe('hello');
    await call.bye();
  });

  it('REFER within the dialog is relayed by default; the onInDialogRefer hook may take it instead', async () => {
    const call = await alice.call('13');
    const refer = (target: string) => call.dialog!.createRequest('REFER', { headers: [['Refer-To', `<sip:${target}@${DOMAIN}>`]] });
    expect((await alice.transact(refer('12'))).status).toBe(200);
    expect(bob.received.filter((r) => r.method === 'REFER').at(-1)!.headers.get('refer-to')).toBe(`<sip:12@${DOMAIN}>`);
    const seen: InDialogRefer[] = [];
    referHook = (r) => {
      seen.push(r);
      r.tx.reply(202);
      return true;
    };
    expect((await alice.transact(refer('14'))).status).toBe(202);
    expect(seen.map((r) => [r.dialogid, r.from])).toEqual([[dialog()!.dialogid, 'a']]);
    await call.bye();
  });

  it('§12.2.2: a request with a lower CSeq than the last one is rejected with 500', async () => {
    const call = await alice.call('13');
    const info = call.dialog!.createRequest('INFO');
    expect((await alice.transact(info)).status).toBe(200);
    const stale = createRequest({ method: 'INFO', uri: info.uri, from: info.headers.get('from')!, to: info.headers.get('to')!, callId: info.callId!, cseq: 1 });
    expect((await alice.transact(stale)).status).toBe(500);
    await call.bye();
  });

  it('§13.2.2.4: every retransmission of the callee\'s 200 gets the ACK again', async () => {
    bob.onInvite = (c) => {
      c.answer();
      setTimeout(() => c.tx.respond(c.tx.finalResponse!), 30);
    };
    const call = await alice.call('13');
    const incoming = bob.incoming.at(-1)!;
    await until(() => incoming.acked >= 2, 'two ACKs for two 200s');
    await call.bye();
  });

  it('RFC 6026 Timer M: a retransmission of the callee\'s 200 after the call ended still gets the ACK again', async () => {
    bob.onInvite = (c) => c.answer();
    const call = await alice.call('13');
    const incoming = bob.incoming.at(-1)!;
    await until(() => incoming.acked === 1, 'the ACK of the 200');
    await call.bye();
    await until(() => t.store.size === 0 && t.node.calls.size === 0 && incoming.ended, 'the call to end');
    incoming.tx.respond(incoming.tx.finalResponse!);
    await until(() => incoming.acked === 2, 'the ACK of the 200 retransmitted after the call');
  });

  it('forking: both contacts ring, the first 2xx wins, a second 2xx is ACKed and ended with BYE', async () => {
    expect((await bob2.register()).status).toBe(200);
    try {
      // Both answer at once, before any CANCEL can reach them: the first 200 to arrive wins.
      const both = (c: IncomingCall) => c.answer();
      bob.onInvite = both;
      bob2.onInvite = both;
      const call = await alice.call('13');
      expect(call.final?.status).toBe(200);
      const loser = [bob.incoming.at(-1)!, bob2.incoming.at(-1)!].find((c) => c.request.callId !== dialog()!.callids[0])!;
      await until(() => loser.ended && loser.acked === 1, 'the late 200 to be ACKed and ended');
      expect(dialog()!.legs.filter((l) => l.side === 'b')).toHaveLength(1);
      await call.bye();
    } finally {
      await bob2.register(0);
    }
  });

  it('forking: when every fork fails the caller gets the best answer (6xx, then busy, else the lowest class)', async () => {
    expect((await bob2.register()).status).toBe(200);
    try {
      bob.onInvite = (c) => c.reject(404);
      bob2.onInvite = (c) => c.reject(486);
      expect((await alice.call('13')).final?.status).toBe(486);
      await until(() => t.store.size === 0, 'the call to end');
      expect(t.events.at(-1)).toMatchObject({ type: 'end', cause: 'busy', status: 486 });
      bob2.onInvite = (c) => c.reject(603);
      expect((await alice.call('13')).final?.status).toBe(603);
      await until(() => t.store.size === 0, 'the call to end');
      expect(t.events.at(-1)).toMatchObject({ type: 'end', cause: 'decline', status: 603 });
      bob2.onInvite = (c) => c.reject(503);
      expect((await alice.call('13')).final?.status).toBe(404);
    } finally {
      await bob2.register(0);
    }
  });

  it('hangup through the call manager: BYE on both legs of an answered call', async () => {
    const call = await alice.call('13');
    const id = dialog()!.dialogid;
    await t.node.calls.hangup(id);
    expect(t.store.get(id)).toBeUndefined();
    await until(() => bob.incoming.at(-1)!.ended && alice.received.some((r) => r.method === 'BYE' && r.callId === call.invite.callId), 'BYE on both legs');
    expect(t.events.at(-1)).toMatchObject({ type: 'end', cause: 'hangup' });
  });

  it('hangup of a ringing call: the fork is cancelled and the caller gets 487', async () => {
    bob.onInvite = (c) => c.ring();
    let id = '';
    const call = await alice.call('13', {
      onProvisional: (res) => {
        if (res.status === 180) {
          id = dialog()!.dialogid;
          void t.node.calls.hangup(id);
        }
      },
    });
    expect(call.final?.status).toBe(487);
    await until(() => t.store.size === 0, 'the call to end');
    expect(bob.received.some((r) => r.method === 'CANCEL')).toBe(true);
  });

  it('the labels the API put in opts.bindings stay through state changes and go with the events', async () => {
    bob.onInvite = (c) => {
      c.ring();
      const entry = [...t.store.all()][0]!;
      t.store.put({ ...entry, dialog: { ...entry.dialog, opts: { bindings: ['crm-42'] } } });
      setTimeout(() => c.answer(), 20);
    };
    const call = await alice.call('13');
    expect(dialog()!.opts).toEqual({ bindings: ['crm-42'] });
    await call.bye();
    await until(() => t.store.size === 0, 'the call to end');
    expect(t.events.at(-1)).toMatchObject({ type: 'end', bindings: ['crm-42'] });
  });

  it('no answer in time: the fork is CANCELled and the caller gets 480', async () => {
    bob.onInvite = (c) => c.ring();
    const call = await alice.call('13');
    expect(call.final?.status).toBe(480);
    await until(() => t.store.size === 0, 'the call to end');
    expect(t.events.at(-1)).toMatchObject({ type: 'end', cause: 'noanswer', status: 480 });
    expect(bob.received.some((r: SipRequest) => r.method === 'CANCEL' && r.callId === bob.incoming.at(-1)!.request.callId)).toBe(true);
  });
});

describe('stopping the node', () => {
  it('stop() ends the calls with BYE and leaves no call, transaction, media port or socket', async () => {
    const own = await startTestNode();
    const a = await TestPhone.open({ login: 'sip1', password: 'secret1', serverPort: own.port });
    const b = await TestPhone.open({ login: 'sip3', password: 'secret3', serverPort: own.port });
    try {
      await b.register();
      const call = await a.call('13');
      expect(call.final?.status).toBe(200);
      await own.node.stop();
      expect(b.incoming.at(-1)!.ended).toBe(true);
      expect(a.received.some((r) => r.method === 'BYE')).toBe(true);
      expect(own.store.size).toBe(0);
      const { timers: _timers, ...counts } = own.node.counts();
      expect(counts).toEqual({ dialogs: 0, transactions: 0, mediaSessions: 0, portsInUse: 0, socketsOpen: 0, connections: 0 });
      expect(own.events.at(-1)).toMatchObject({ type: 'end', cause: 'shutdown' });
    } finally {
      await a.close();
      await b.close();
      await own.stop();
    }
  });
});
