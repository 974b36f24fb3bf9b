import { describe, expect, it } from 'vitest';
import type { SipResponse } from '../message/index.ts';
import { InviteClientTransaction } from './invite-client-transaction.ts';
import { LocalResponse } from './local-response.ts';
import { DEST_TCP, DEST_UDP, FakeTransport, PEER, PEER_TCP, newClock, ourRequest, responseTo } from './test-helpers.ts';
import { TransactionLayer } from './transaction-layer.ts';
import { TransactionState } from './transaction-state.ts';

function setup(dest = DEST_UDP) {
  const clock = newClock();
  const t0 = clock.now();
  const transport = new FakeTransport(clock);
  const stray: SipResponse[] = [];
  const layer = new TransactionLayer({ transport, clock, user: { onRequest: () => {}, onStrayResponse: (r) => stray.push(r) } });
  const got: SipResponse[] = [];
  let terminated = 0;
  const invite = ourRequest('INVITE', { extraHeaders: ['Route: <sip:proxy.example.com;lr>'] });
  const tx = layer.sendRequest(invite, dest, { onResponse: (r) => got.push(r), onTerminated: () => terminated++ }) as InviteClientTransaction;
  const sentInvites = () => transport.times((m) => m.kind === 'request' && m.method === 'INVITE').map((t) => t - t0);
  return { clock, t0, transport, layer, invite, tx, got, stray, sentInvites, terminated: () => terminated };
}

describe('INVITE client transaction over UDP (RFC 3261 §17.1.1)', () => {
  it('Timer A doubles the INVITE retransmission interval, unbounded by T2', () => {
    const { clock, sentInvites, tx } = setup();
    expect(tx).toBeInstanceOf(InviteClientTransaction);
    expect(tx.state).toBe(TransactionState.Calling);
    clock.advance(31_999);
    // Sent at 0, then after 0.5, 1, 2, 4, 8, 16 s: the 8 s and 16 s intervals exceed T2 (4 s).
    expect(sentInvites()).toEqual([0, 500, 1_500, 3_500, 7_500, 15_500, 31_500]);
  });

  it('Timer B fires 64*T1 after the INVITE in "Calling": the TU gets a 408 and the transaction terminates', () => {
    const { clock, tx, got, layer, terminated } = setup();
    clock.advance(31_999);
    expect(got).toEqual([]);
    clock.advance(1);
    expect(got).toHaveLength(1);
    expect(got[0]).toBeInstanceOf(LocalResponse);
    expect(got[0]!.status).toBe(408);
    expect((got[0] as LocalResponse).cause).toBe('timeout');
    expect(tx.state).toBe(TransactionState.Terminated);
    expect(terminated()).toBe(1);
    expect(layer.size()).toBe(0);
    expect(clock.pending).toBe(0);
  });

  it('a provisional response moves "Calling" to "Proceeding": retransmissions stop and Timer B no longer applies', () => {
    const { clock, transport, tx, invite, got, sentInvites } = setup();
    clock.advance(600);
    transport.deliver(responseTo(invite, 180), PEER);
    expect(tx.state).toBe(TransactionState.Proceeding);
    expect(got.map((r) => r.status)).toEqual([180]);
    clock.advance(120_000);
    expect(sentInvites()).toEqual([0, 500]);
    expect(tx.state).toBe(TransactionState.Proceeding);
    expect(clock.pending).toBe(0);
  });

  it('a 300-699 response is acknowledged by the transaction, with the INVITE\'s branch and the response\'s To tag', () => {
    const { clock, transport, tx, invite, got } = setup();
    const res = responseTo(invite, 486, { toTag: 'busy-tag' });
    transport.deliver(res, PEER);
    expect(tx.state).toBe(TransactionState.Completed);
    expect(got.map((r) => r.status)).toEqual([486]);
    const [ack] = transport.requests('ACK');
    expect(ack).toBeDefined();
    // §17.1.1.3: Request-URI, Call-ID, From, CSeq number of the INVITE; To of the response; the
    // INVITE's top Via alone; its Route headers.
    expect(ack!.uriText).toBe(invite.uriText);
    expect(ack!.via).toHaveLength(1);
    expect(ack!.headers.get('via')).toBe(invite.headers.getAll('via')[0]);
    expect(ack!.topVia!.branch).toBe(tx.branch);
    expect(ack!.to!.tag).toBe('busy-tag');
    expect(ack!.from!.tag).toBe(invite.from!.tag);
    expect(ack!.callId).toBe(invite.callId);
    expect(ack!.cseq).toEqual({ seq: invite.cseq!.seq, method: 'ACK' });
    expect(ack!.headers.getAll('route')).toEqual(['<sip:proxy.example.com;lr>']);
    expect(transport.sent.at(-1)!.destination).toEqual(tx.destination);
    expect(clock.pending).toBe(1);
  });

  it('a retransmitted final response in "Completed" is acknowledged again and not passed to the TU', () => {
    const { transport, invite, got } = setup();
    const res = responseTo(invite, 603);
    transport.deliver(res, PEER);
    transport.deliver(res, PEER);
    transport.deliver(res, PEER);
    expect(got.map((r) => r.status)).toEqual([603]);
    expect(transport.requests('ACK')).toHaveLength(3);
  });

  it('Timer D waits at least 32 s in "Completed" over UDP, then the transaction terminates', () => {
    const { clock, transport, tx, invite, layer } = setup();
    transport.deliver(responseTo(invite, 404), PEER);
    clock.advance(31_999);
    expect(tx.state).toBe(TransactionState.Completed);
    clock.advance(1);
    expect(tx.state).toBe(TransactionState.Terminated);
    expect(layer.size()).toBe(0);
    expect(clock.pending).toBe(0);
  });

  it('a 2xx moves to "Accepted" (RFC 6026) and goes to the TU, which sends the ACK itself', () => {
    const { transport, tx, invite, got } = setup();
    transport.deliver(responseTo(invite, 200), PEER);
    expect(tx.state).toBe(TransactionState.Accepted);
    expect(got.map((r) => r.status)).toEqual([200]);
    expect(transport.requests('ACK')).toHaveLength(0);
  });

  it('lost ACK: retransmitted 2xx received in "Accepted" reach the TU, and so do 2xx of other forks', () => {
    const { transport, invite, got } = setup();
    const ok = responseTo(invite, 200, { toTag: 'fork-1' });
    transport.deliver(ok, PEER);
    transport.deliver(ok, PEER);
    transport.deliver(responseTo(invite, 200, { toTag: 'fork-2' }), PEER);
    // A non-2xx in "Accepted" is dropped.
    transport.deliver(responseTo(invite, 486), PEER);
    expect(got.map((r) => `${r.status}/${r.to!.tag}`)).toEqual(['200/fork-1', '200/fork-1', '200/fork-2']);
  });

  it('Timer M ends "Accepted" after 64*T1; a 2xx after that is stray and goes to the TU\'s onStrayResponse', () => {
    const { clock, transport, tx, invite, stray, layer } = setup();
    const ok = responseTo(invite, 200);
    transport.deliver(ok, PEER);
    clock.advance(31_999);
    expect(tx.state).toBe(TransactionState.Accepted);
    clock.advance(1);
    expect(tx.state).toBe(TransactionState.Terminated);
    expect(layer.size()).toBe(0);
    transport.deliver(ok, PEER);
    expect(stray.map((r) => r.status)).toEqual([200]);
    expect(clock.pending).toBe(0);
  });

  it('a transport error in "Calling" gives the TU a 503 (§8.1.3.1) and terminates the transaction', async () => {
    const clock = newClock();
    const transport = new FakeTransport(clock);
    transport.failWith = new Error('ECONNREFUSED');
    const layer = new TransactionLayer({ transport, clock, user: { onRequest: () => {} } });
    const got: SipResponse[] = [];
    const tx = layer.sendRequest(ourRequest('INVITE'), DEST_UDP, { onResponse: (r) => got.push(r) });
    await Promise.resolve();
    await Promise.resolve();
    expect(got).toHaveLength(1);
    expect(got[0]!.status).toBe(503);
    expect((got[0] as LocalResponse).cause).toBe('transport-error');
    expect(tx.state).toBe(TransactionState.Terminated);
    expect(layer.size()).toBe(0);
    expect(clock.pending).toBe(0);
  });
});

describe('INVITE client transaction over TCP (reliable)', () => {
  it('Timer A is not used over a reliable transport: the INVITE is sent once', () => {
    const { clock, sentInvites } = setup(DEST_TCP);
    clock.advance(31_000);
    expect(sentInvites()).toEqual([0]);
  });

  it('Timer B still bounds "Calling" over a reliable transport', () => {
    const { clock, got } = setup(DEST_TCP);
    clock.advance(32_000);
    expect(got.map((r) => r.status)).toEqual([408]);
    expect(clock.pending).toBe(0);
  });

  it('Timer D is zero over a reliable transport: "Completed" terminates at once, after the ACK', () => {
    const { clock, transport, tx, invite, layer } = setup(DEST_TCP);
    transport.deliver(responseTo(invite, 480), PEER_TCP);
    expect(transport.requests('ACK')).toHaveLength(1);
    expect(tx.state).toBe(TransactionState.Terminated);
    expect(layer.size()).toBe(0);
    expect(clock.pending).toBe(0);
  });
});

describe('INVITE client transaction: the connection of its responses', () => {
  it('is held while the transaction lives, so a long-ringing call does not lose it to the idle timeout', () => {
    const { transport, invite, tx } = setup(DEST_TCP);
    transport.deliver(responseTo(invite, 180), PEER_TCP);
    transport.deliver(responseTo(invite, 180), PEER_TCP);
    expect(transport.holds).toBe(1);
    transport.deliver(responseTo(invite, 486), PEER_TCP);
    expect(tx.state).toBe(TransactionState.Terminated);
    expect(transport.holds).toBe(0);
  });
});

describe('CANCEL of a pending INVITE (§9.1)', () => {
  it('a CANCEL is not sent before a provisional response arrives, and goes out on the first one', () => {
    const { layer, tx, transport, invite } = setup();
    expect(layer.cancel(tx)).toBe(true);
    expect(transport.requests('CANCEL')).toHaveLength(0);
    transport.deliver(responseTo(invite, 100), PEER);
    const [cancel] = transport.requests('CANCEL');
    expect(cancel).toBeDefined();
    // Same Request-URI, Call-ID, To, From, CSeq number; the INVITE's top Via (same branch).
    expect(cancel!.topVia!.branch).toBe(tx.branch);
    expect(cancel!.uriText).toBe(invite.uriText);
    expect(cancel!.cseq).toEqual({ seq: invite.cseq!.seq, method: 'CANCEL' });
    expect(cancel!.callId).toBe(invite.callId);
    expect(cancel!.headers.getAll('route')).toEqual(['<sip:proxy.example.com;lr>']);
    expect(layer.counts()).toMatchObject({ inviteClient: 1, nonInviteClient: 1 });
  });

  it('the CANCEL is its own non-INVITE transaction: its 200 does not reach the INVITE, the 487 does', () => {
    const { layer, tx, transport, invite, got } = setup();
    transport.deliver(responseTo(invite, 180), PEER);
    const cancelGot: number[] = [];
    layer.cancel(tx, { onResponse: (r) => cancelGot.push(r.status) });
    const cancel = transport.requests('CANCEL')[0]!;
    transport.deliver(responseTo(cancel, 200), PEER);
    transport.deliver(responseTo(invite, 487), PEER);
    expect(cancelGot).toEqual([200]);
    expect(got.map((r) => r.status)).toEqual([180, 487]);
    expect(transport.requests('ACK')).toHaveLength(1);
  });

  it('no CANCEL is sent once the INVITE has a final response', () => {
    const { layer, tx, transport, invite } = setup();
    layer.cancel(tx);
    transport.deliver(responseTo(invite, 200), PEER);
    expect(layer.cancel(tx)).toBe(false);
    expect(transport.requests('CANCEL')).toHaveLength(0);
  });

  it('with no final response 64*T1 after the CANCEL, the INVITE is considered cancelled (a local 487)', () => {
    const { clock, layer, tx, transport, invite, got } = setup();
    transport.deliver(responseTo(invite, 180), PEER);
    layer.cancel(tx);
    transport.deliver(responseTo(transport.requests('CANCEL')[0]!, 200), PEER);
    clock.advance(31_999);
    expect(tx.state).toBe(TransactionState.Proceeding);
    clock.advance(1);
    expect(got.map((r) => r.status)).toEqual([180, 487]);
    expect((got[1] as LocalResponse).cause).toBe('cancel-timeout');
    expect(tx.state).toBe(TransactionState.Terminated);
    clock.advance(10_000);
    expect(layer.size()).toBe(0);
    expect(clock.pending).toBe(0);
  });
});
