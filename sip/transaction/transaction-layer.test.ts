import { describe, expect, it } from 'vitest';
import { createRequest, type SipRequest, type SipResponse } from '../message/index.ts';
import type { InviteServerTransaction } from './invite-server-transaction.ts';
import type { ServerTransaction } from './server-transaction.ts';
import {
  DEST_UDP,
  FakeTransport,
  MemoryNetwork,
  PEER,
  PEER_TCP,
  newClock,
  ourRequest,
  peerAck,
  peerRequest,
  responseTo,
} from './test-helpers.ts';
import { TransactionLayer, type TransactionLayerOptions } from './transaction-layer.ts';
import { TransactionState } from './transaction-state.ts';

function setup(options: Partial<TransactionLayerOptions> = {}) {
  const clock = newClock();
  const t0 = clock.now();
  const transport = new FakeTransport(clock);
  const txs: ServerTransaction[] = [];
  const acks: SipRequest[] = [];
  const stray: SipResponse[] = [];
  const noAck: SipResponse[] = [];
  let answer: ((tx: ServerTransaction) => void) | undefined;
  const layer = new TransactionLayer({
    transport,
    clock,
    user: {
      onRequest: (tx) => {
        txs.push(tx);
        tx.user = { onNoAck: (r) => noAck.push(r) };
        answer?.(tx);
      },
      onAck: (a) => acks.push(a),
      onStrayResponse: (r) => stray.push(r),
    },
    ...options,
  });
  const sent = (status: number) => transport.times((m) => m.kind === 'response' && m.status === status).map((t) => t - t0);
  return {
    clock,
    transport,
    layer,
    txs,
    acks,
    stray,
    noAck,
    sent,
    answerWith: (fn: (tx: ServerTransaction) => void) => {
      answer = fn;
    },
  };
}

describe('matching requests to server transactions (§17.2.3)', () => {
  it('a retransmission matches by branch, sent-by and method, and makes no new transaction', () => {
    const { transport, txs, layer } = setup();
    const req = peerRequest('OPTIONS');
    transport.deliver(req, PEER);
    transport.deliver(req, PEER);
    expect(txs).toHaveLength(1);
    expect(layer.counts()).toMatchObject({ nonInviteServer: 1 });
  });

  it('the same branch from another sent-by is another transaction', () => {
    const { transport, txs } = setup();
    transport.deliver(peerRequest('OPTIONS', { branch: 'z9hG4bKsame', sentBy: '192.0.2.9:5062', callId: 'a' }), PEER);
    transport.deliver(peerRequest('OPTIONS', { branch: 'z9hG4bKsame', sentBy: '192.0.2.10:5062', callId: 'b' }), PEER);
    expect(txs).toHaveLength(2);
  });

  it('a CANCEL has a transaction of its own, and findInviteForCancel finds the INVITE it cancels (§9.2)', () => {
    const { transport, txs, layer } = setup();
    const invite = peerRequest('INVITE', { branch: 'z9hG4bKinv' });
    transport.deliver(invite, PEER);
    const cancel = peerRequest('CANCEL', { branch: 'z9hG4bKinv', callId: invite.callId, fromTag: invite.from!.tag, cseq: invite.cseq!.seq });
    transport.deliver(cancel, PEER);
    expect(txs.map((t) => t.kind)).toEqual(['invite-server', 'non-invite-server']);
    expect(layer.findInviteForCancel(txs[1]!.request)).toBe(txs[0]);
    // What a UAS does with it: 200 to the CANCEL, 487 to the INVITE.
    txs[1]!.reply(200);
    txs[0]!.reply(487);
    expect(transport.responses().map((r) => `${r.status} ${r.cseq!.method}`)).toEqual(['200 CANCEL', '487 INVITE']);
  });

  it('a CANCEL that matches no INVITE finds none (the UAS answers 481)', () => {
    const { transport, txs, layer } = setup();
    transport.deliver(peerRequest('CANCEL', { branch: 'z9hG4bKnothing' }), PEER);
    expect(layer.findInviteForCancel(txs[0]!.request)).toBeUndefined();
  });

  it('an ACK carrying the INVITE\'s branch matches the INVITE transaction', () => {
    const { transport, txs, acks } = setup();
    const invite = peerRequest('INVITE');
    transport.deliver(invite, PEER);
    txs[0]!.reply(486);
    transport.deliver(peerAck(invite, transport.responses(486)[0]!), PEER);
    expect(txs[0]!.state).toBe(TransactionState.Confirmed);
    expect(acks).toEqual([]);
  });

  it('RFC 2543 requests (no magic cookie) match by Request-URI, From tag, Call-ID, CSeq and top Via', () => {
    const { transport, txs, clock } = setup();
    const invite = peerRequest('INVITE', { branch: '' });
    transport.deliver(invite, PEER);
    transport.deliver(invite, PEER);
    expect(txs).toHaveLength(1);
    txs[0]!.reply(404);
    transport.deliver(peerAck(invite, transport.responses(404)[0]!, ''), PEER);
    expect(txs[0]!.state).toBe(TransactionState.Confirmed);
    clock.advance(5_000);
    expect(clock.pending).toBe(0);
  });

  it('a merged request (same From tag, Call-ID and CSeq by another path) is answered 482 and never reaches the TU (§8.2.2.2)', () => {
    const { transport, txs, layer } = setup();
    const first = peerRequest('INVITE', { branch: 'z9hG4bKpath1', callId: 'merge', fromTag: 'f', cseq: 7 });
    const second = peerRequest('INVITE', { branch: 'z9hG4bKpath2', callId: 'merge', fromTag: 'f', cseq: 7 });
    transport.deliver(first, PEER);
    transport.deliver(second, PEER);
    expect(txs).toHaveLength(1);
    expect(transport.responses(482)).toHaveLength(1);
    // Its retransmission is absorbed by the 482's transaction and answered again.
    transport.deliver(second, PEER);
    expect(transport.responses(482)).toHaveLength(2);
    expect(layer.counts().inviteServer).toBe(2);
  });

  it('a request that merely shares Call-ID and CSeq but has a To tag is not a merged request', () => {
    const { transport, txs } = setup();
    transport.deliver(peerRequest('INVITE', { callId: 'x', fromTag: 'f', cseq: 2, toTag: 't' }), PEER);
    transport.deliver(peerRequest('INVITE', { callId: 'x', fromTag: 'f', cseq: 2, toTag: 't' }), PEER);
    expect(txs).toHaveLength(2);
  });

  it('a TU that throws in onRequest does not leave the client waiting: the request gets a 500', () => {
    const { transport, answerWith } = setup();
    answerWith(() => {
      throw new Error('bug');
    });
    transport.deliver(peerRequest('MESSAGE'), PEER);
    expect(transport.responses().map((r) => r.status)).toEqual([500]);
  });

  it('responses go to the received address and rport of the top Via (RFC 3581 §4)', () => {
    const { transport, txs } = setup();
    transport.deliver(peerRequest('OPTIONS', { sentBy: 'phone.invalid:5060' }), { ...PEER, host: '198.51.100.7', port: 40123 });
    txs[0]!.reply(200);
    expect(transport.sent[0]!.destination).toEqual({ transport: 'udp', transportId: 'fake', host: '198.51.100.7', port: 40123 });
    expect(txs[0]!.request.topVia).toMatchObject({ received: '198.51.100.7', rport: 40123 });
  });
});

describe('matching responses to client transactions (§17.1.3)', () => {
  it('a response whose branch matches no client transaction is stray and goes to the TU', () => {
    const { transport, stray } = setup();
    const req = ourRequest('OPTIONS');
    req.headers.prepend('Via', 'SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKgone');
    transport.deliver(responseTo(req, 200), PEER);
    expect(stray.map((r) => r.status)).toEqual([200]);
  });

  it('the same branch with another CSeq method is another transaction', () => {
    const { transport, layer } = setup();
    const got: number[] = [];
    const tx = layer.sendRequest(ourRequest('INVITE'), DEST_UDP, { onResponse: (r) => got.push(r.status) });
    const other = ourRequest('INFO');
    other.headers.prepend('Via', `SIP/2.0/UDP 192.0.2.1:5060;branch=${tx.branch}`);
    transport.deliver(responseTo(other, 200), PEER);
    expect(got).toEqual([]);
  });

  it('sendAck sends the ACK for a 2xx outside any transaction, with a branch of its own (§13.2.2.4)', async () => {
    const { transport, layer } = setup();
    const tx = layer.sendRequest(ourRequest('INVITE'), DEST_UDP);
    transport.clear();
    const ack = createRequest({ method: 'ACK', uri: 'sip:bob@192.0.2.9', from: '<sip:a@x>;tag=1', to: '<sip:b@y>;tag=2', callId: 'c', cseq: 1 });
    await layer.sendAck(ack, DEST_UDP);
    expect(ack.topVia!.branch).not.toBe(tx.branch);
    expect(ack.topVia!.rport).toBe(true);
    expect(transport.requests('ACK')).toEqual([ack]);
    expect(layer.size()).toBe(1);
    expect(() => layer.sendRequest(ack, DEST_UDP)).toThrow(TypeError);
  });
});

describe('the UAS core retransmits a 2xx until the ACK (§13.3.1.4)', () => {
  it('lost ACK: the 2xx goes out again after T1, the interval doubling up to T2, until the ACK arrives', () => {
    const { transport, txs, clock, sent, acks, layer } = setup();
    const invite = peerRequest('INVITE');
    transport.deliver(invite, PEER);
    txs[0]!.reply(200);
    clock.advance(12_000);
    expect(sent(200)).toEqual([0, 500, 1_500, 3_500, 7_500, 11_500]);
    expect(layer.counts().retransmitting2xx).toBe(1);
    transport.deliver(peerAck(invite, transport.responses(200)[0]!, 'z9hG4bKack'), PEER);
    expect(acks).toHaveLength(1);
    expect(layer.counts().retransmitting2xx).toBe(0);
    clock.advance(30_000);
    expect(sent(200)).toHaveLength(6);
    expect(clock.pending).toBe(0);
  });

  it('with no ACK for 64*T1 it gives up and reports "no ACK" to the TU, which is to send BYE', () => {
    const { transport, txs, clock, sent, noAck, layer } = setup();
    transport.deliver(peerRequest('INVITE'), PEER);
    txs[0]!.reply(200);
    clock.advance(31_999);
    expect(noAck).toEqual([]);
    clock.advance(1);
    expect(noAck.map((r) => r.status)).toEqual([200]);
    expect(sent(200)).toEqual([0, 500, 1_500, 3_500, 7_500, 11_500, 15_500, 19_500, 23_500, 27_500, 31_500]);
    expect(layer.size()).toBe(0);
    expect(layer.counts().retransmitting2xx).toBe(0);
    expect(clock.pending).toBe(0);
  });

  it('the 2xx is retransmitted even over a reliable transport: a later hop may be UDP', () => {
    const { transport, txs, clock, sent } = setup();
    transport.deliver(peerRequest('INVITE', { transport: 'tcp' }), PEER_TCP);
    txs[0]!.reply(200);
    clock.advance(4_000);
    expect(sent(200)).toEqual([0, 500, 1_500, 3_500]);
  });

  it('can be turned off (retransmit2xx: false)', () => {
    const { transport, txs, clock, sent } = setup({ retransmit2xx: false });
    transport.deliver(peerRequest('INVITE'), PEER);
    txs[0]!.reply(200);
    clock.advance(40_000);
    expect(sent(200)).toEqual([0]);
    expect(clock.pending).toBe(0);
  });
});

describe('UAC and UAS over an in-memory network', () => {
  function pair() {
    const clock = newClock();
    const net = new MemoryNetwork();
    const a = net.endpoint('192.0.2.1', 5060);
    const b = net.endpoint('192.0.2.2', 5060);
    const uasAcks: SipRequest[] = [];
    const uas = new TransactionLayer({
      transport: b,
      clock,
      user: {
        onRequest: (tx) => {
          if (tx.method === 'INVITE') tx.reply(200, undefined, { body: 'v=0\r\n', contentType: 'application/sdp' });
          else tx.reply(200);
        },
        onAck: (ack) => uasAcks.push(ack),
      },
    });
    const uacResponses: SipResponse[] = [];
    const uac = new TransactionLayer({ transport: a, clock, user: { onRequest: () => {}, onStrayResponse: (r) => uacResponses.push(r) } });
    /** The UAC core: ACK every 2xx, the same ACK each time. */
    let ack: SipRequest | undefined;
    const onResponse = (r: SipResponse) => {
      uacResponses.push(r);
      if (r.status >= 200 && r.status < 300) {
        ack ??= createRequest({
          method: 'ACK',
          uri: 'sip:bob@192.0.2.2',
          from: r.headers.get('from')!,
          to: r.headers.get('to')!,
          callId: r.callId!,
          cseq: r.cseq!.seq,
        });
        void uac.sendAck(ack, b.destination);
      }
    };
    return { clock, net, a, b, uas, uac, uasAcks, uacResponses, onResponse };
  }

  it('lost 200: the INVITE retransmission is absorbed in "Accepted", the UAS core\'s retransmitted 2xx reaches the UAC, and its ACK stops them', () => {
    const { clock, net, uas, uac, uasAcks, uacResponses, onResponse, b } = pair();
    let dropped = false;
    net.drop = (m) => {
      if (!dropped && m.kind === 'response' && m.status === 200) return (dropped = true);
      return false;
    };
    const tx = uac.sendRequest(ourRequest('INVITE'), b.destination, { onResponse });
    net.flush();
    expect(uacResponses).toEqual([]);
    clock.advance(500);
    net.flush();
    // Both Timer A (INVITE again, absorbed by the UAS in "Accepted") and the 2xx retransmission fired.
    expect(uacResponses.map((r) => r.status)).toEqual([200]);
    expect(tx.state).toBe(TransactionState.Accepted);
    expect(uasAcks).toHaveLength(1);
    expect(uas.counts().retransmitting2xx).toBe(0);
    clock.advance(64 * 500);
    net.flush();
    expect(uac.size() + uas.size()).toBe(0);
    expect(clock.pending).toBe(0);
  });

  it('lost ACK: the UAC\'s TU gets each retransmitted 2xx in "Accepted" and sends the same ACK again', () => {
    const { clock, net, uas, uac, uasAcks, uacResponses, onResponse, b } = pair();
    let acksDropped = 0;
    net.drop = (m) => m.kind === 'request' && m.method === 'ACK' && acksDropped++ < 2;
    uac.sendRequest(ourRequest('INVITE'), b.destination, { onResponse });
    net.flush();
    clock.advance(500);
    net.flush();
    clock.advance(1_000);
    net.flush();
    expect(uacResponses.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(uasAcks).toHaveLength(1);
    expect(uas.counts().retransmitting2xx).toBe(0);
    const ackBranches = new Set(uasAcks.map((x) => x.topVia!.branch));
    expect(ackBranches.size).toBe(1);
    clock.advance(64 * 500);
    net.flush();
    expect(uac.size() + uas.size()).toBe(0);
    expect(clock.pending).toBe(0);
  });

  it('the INVITE server transaction lives on past the 2xx, so a CANCEL crossing it still finds the INVITE', () => {
    const { net, uas, uac, b, onResponse } = pair();
    const tx = uac.sendRequest(ourRequest('INVITE'), b.destination, { onResponse });
    net.flush();
    expect(tx.state).toBe(TransactionState.Accepted);
    const cancel = peerRequest('CANCEL', {
      branch: tx.branch,
      sentBy: '192.0.2.1:5060',
      callId: tx.request.callId,
      fromTag: tx.request.from!.tag,
      cseq: tx.request.cseq!.seq,
    });
    const found: InviteServerTransaction | undefined = uas.findInviteForCancel(cancel);
    expect(found?.state).toBe(TransactionState.Accepted);
  });
});
