import { describe, expect, it } from 'vitest';
import type { SipRequest } from '../message/index.ts';
import type { Source } from '../transport/types.ts';
import { InviteServerTransaction } from './invite-server-transaction.ts';
import type { ServerTransaction } from './server-transaction.ts';
import { FakeTransport, PEER, PEER_TCP, newClock, peerAck, peerRequest, responseTo } from './test-helpers.ts';
import { TransactionLayer } from './transaction-layer.ts';
import { TransactionState } from './transaction-state.ts';

function setup(opts: { source?: Source; answer?: (tx: ServerTransaction) => void } = {}) {
  const source = opts.source ?? PEER;
  const clock = newClock();
  const t0 = clock.now();
  const transport = new FakeTransport(clock);
  const txs: ServerTransaction[] = [];
  const acks: SipRequest[] = [];
  const events: string[] = [];
  const layer = new TransactionLayer({
    transport,
    clock,
    user: {
      onRequest: (tx) => {
        txs.push(tx);
        tx.user = {
          onTimeout: () => events.push('timeout'),
          onTerminated: () => events.push('terminated'),
          onTransportError: (e) => events.push(`transport-error:${e.message}`),
          onNoAck: () => events.push('no-ack'),
        };
        opts.answer?.(tx);
      },
      onAck: (a) => acks.push(a),
    },
  });
  const invite = peerRequest('INVITE', { transport: source.transport });
  transport.deliver(invite, source);
  const tx = txs[0] as InviteServerTransaction;
  const sent = (status: number) => transport.times((m) => m.kind === 'response' && m.status === status).map((t) => t - t0);
  return { clock, t0, transport, layer, invite, tx, txs, acks, events, sent, source };
}

describe('INVITE server transaction over UDP (RFC 3261 §17.2.1)', () => {
  it('a 100 Trying goes out 200 ms after the INVITE when the TU has not answered', () => {
    const { clock, tx, sent, transport } = setup();
    expect(tx).toBeInstanceOf(InviteServerTransaction);
    expect(tx.state).toBe(TransactionState.Proceeding);
    clock.advance(199);
    expect(sent(100)).toEqual([]);
    clock.advance(1);
    expect(sent(100)).toEqual([200]);
    // §17.2.1: no To tag in the 100 Trying.
    expect(transport.responses(100)[0]!.to!.tag).toBeUndefined();
  });

  it('no 100 Trying when the TU answers within 200 ms', () => {
    const { clock, tx, sent } = setup();
    clock.advance(150);
    tx.reply(180);
    clock.advance(1_000);
    expect(sent(100)).toEqual([]);
    expect(sent(180)).toEqual([150]);
  });

  it('a retransmitted INVITE in "Proceeding" gets the most recent provisional response again', () => {
    const { tx, transport, invite, sent, clock } = setup();
    tx.reply(180);
    tx.reply(183);
    clock.advance(500);
    transport.deliver(invite, PEER);
    expect(sent(183)).toEqual([0, 500]);
    expect(sent(180)).toEqual([0]);
  });

  it('a retransmitted INVITE before any provisional response brings the 100 Trying forward', () => {
    const { transport, invite, sent, clock, txs } = setup();
    clock.advance(50);
    transport.deliver(invite, PEER);
    expect(sent(100)).toEqual([50]);
    clock.advance(1_000);
    expect(sent(100)).toEqual([50]);
    expect(txs).toHaveLength(1);
  });

  it('provisional responses from the TU carry one To tag, and the final response the same', () => {
    const { tx, transport } = setup();
    tx.reply(180);
    tx.reply(486);
    const tags = transport.responses().map((r) => r.to!.tag);
    expect(tags).toEqual([tx.toTag, tx.toTag]);
  });

  it('a 300-699 moves to "Completed"; Timer G retransmits it, doubling up to T2', () => {
    const { tx, clock, sent } = setup();
    tx.reply(486);
    expect(tx.state).toBe(TransactionState.Completed);
    clock.advance(20_000);
    // Intervals 0.5, 1, 2, then 4 s (T2).
    expect(sent(486)).toEqual([0, 500, 1_500, 3_500, 7_500, 11_500, 15_500, 19_500]);
  });

  it('Timer H ends "Completed" after 64*T1 with no ACK, and the TU is told', () => {
    const { tx, clock, events, layer } = setup();
    tx.reply(404);
    clock.advance(31_999);
    expect(events).toEqual([]);
    clock.advance(1);
    expect(events).toEqual(['timeout', 'terminated']);
    expect(tx.state).toBe(TransactionState.Terminated);
    expect(layer.size()).toBe(0);
    expect(clock.pending).toBe(0);
  });

  it('a retransmitted INVITE in "Completed" gets the final response again', () => {
    const { tx, transport, invite, sent, clock } = setup();
    tx.reply(486);
    clock.advance(100);
    transport.deliver(invite, PEER);
    expect(sent(486)).toEqual([0, 100]);
  });

  it('the ACK moves "Completed" to "Confirmed": retransmissions stop, ACK retransmissions are absorbed, Timer I (T4) ends it', () => {
    const { tx, transport, invite, sent, clock, acks, layer } = setup();
    tx.reply(486);
    const final = transport.responses(486)[0]!;
    clock.advance(600);
    const ack = peerAck(invite, final);
    transport.deliver(ack, PEER);
    expect(tx.state).toBe(TransactionState.Confirmed);
    transport.deliver(ack, PEER);
    // The ACK for a non-2xx belongs to the transaction: the TU never sees it.
    expect(acks).toEqual([]);
    clock.advance(4_999);
    expect(sent(486)).toEqual([0, 500]);
    expect(tx.state).toBe(TransactionState.Confirmed);
    clock.advance(1);
    expect(tx.state).toBe(TransactionState.Terminated);
    expect(layer.size()).toBe(0);
    expect(clock.pending).toBe(0);
  });

  it('a 2xx moves to "Accepted" (RFC 6026): retransmitted INVITEs are absorbed and Timer L ends it', () => {
    const { tx, transport, invite, clock, layer, sent, acks } = setup();
    tx.reply(200);
    expect(tx.state).toBe(TransactionState.Accepted);
    const ok = transport.responses(200)[0]!;
    clock.advance(100);
    transport.deliver(invite, PEER);
    // The 2xx is not sent again for the retransmitted INVITE (the UAS core's schedule is separate).
    expect(sent(200)).toEqual([0]);
    transport.deliver(peerAck(invite, ok, 'z9hG4bKack2xx'), PEER);
    expect(acks).toHaveLength(1);
    clock.advance(31_899);
    expect(tx.state).toBe(TransactionState.Accepted);
    clock.advance(1);
    expect(tx.state).toBe(TransactionState.Terminated);
    expect(layer.size()).toBe(0);
    expect(clock.pending).toBe(0);
  });

  it('in "Accepted", 2xx retransmissions from the TU go to the transport; other responses are refused', () => {
    const { tx, sent } = setup();
    tx.reply(200);
    expect(tx.respond(tx.lastResponse!)).toBe(true);
    expect(tx.reply(180)).toBe(false);
    expect(tx.reply(486)).toBe(false);
    expect(sent(200)).toEqual([0, 0]);
  });

  it('a second final response in "Completed" is refused', () => {
    const { tx, sent } = setup();
    tx.reply(486);
    expect(tx.reply(200)).toBe(false);
    expect(sent(200)).toEqual([]);
  });

  it('a transport error informs the TU and terminates the transaction (§17.2.4)', async () => {
    const { tx, transport, events, layer, clock } = setup();
    transport.failWith = new Error('boom');
    tx.reply(486);
    await new Promise((r) => setImmediate(r));
    expect(events).toEqual(['transport-error:boom', 'terminated']);
    expect(layer.size()).toBe(0);
    expect(clock.pending).toBe(0);
  });

  it('an ACK before any final response is absorbed', () => {
    const { tx, transport, invite, acks } = setup();
    transport.deliver(peerAck(invite, responseTo(invite, 486)), PEER);
    expect(tx.state).toBe(TransactionState.Proceeding);
    expect(acks).toEqual([]);
  });
});

describe('INVITE server transaction over TCP (reliable)', () => {
  it('Timer G is not used over a reliable transport; Timer H still bounds the wait for the ACK', () => {
    const { tx, clock, sent, events } = setup({ source: PEER_TCP });
    tx.reply(486);
    clock.advance(31_999);
    expect(sent(486)).toEqual([0]);
    clock.advance(1);
    expect(events).toEqual(['timeout', 'terminated']);
  });

  it('Timer I is zero over a reliable transport: the ACK ends the transaction at once', () => {
    const { tx, transport, invite, clock, layer } = setup({ source: PEER_TCP });
    tx.reply(486);
    transport.deliver(peerAck(invite, transport.responses(486)[0]!), PEER_TCP);
    expect(tx.state).toBe(TransactionState.Terminated);
    expect(layer.size()).toBe(0);
    expect(clock.pending).toBe(0);
  });

  it('responses go back over the connection the INVITE came on, which is held while the transaction lives', () => {
    const { tx, transport, invite } = setup({ source: PEER_TCP });
    expect(transport.holds).toBe(1);
    tx.reply(486);
    expect(transport.sent[0]!.destination).toMatchObject({ transport: 'tcp', connectionId: 'fake#1' });
    transport.deliver(peerAck(invite, transport.responses(486)[0]!), PEER_TCP);
    expect(transport.holds).toBe(0);
  });
});
