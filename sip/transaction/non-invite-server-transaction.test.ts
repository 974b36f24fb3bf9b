import { describe, expect, it } from 'vitest';
import type { Source } from '../transport/types.ts';
import { NonInviteServerTransaction } from './non-invite-server-transaction.ts';
import type { ServerTransaction } from './server-transaction.ts';
import { FakeTransport, PEER, PEER_TCP, newClock, peerRequest } from './test-helpers.ts';
import { TransactionLayer } from './transaction-layer.ts';
import { TransactionState } from './transaction-state.ts';

function setup(source: Source = PEER) {
  const clock = newClock();
  const t0 = clock.now();
  const transport = new FakeTransport(clock);
  const txs: ServerTransaction[] = [];
  const layer = new TransactionLayer({ transport, clock, user: { onRequest: (tx) => txs.push(tx) } });
  const req = peerRequest('BYE', { transport: source.transport, toTag: 'dlg' });
  transport.deliver(req, source);
  const tx = txs[0]!;
  const sent = (status: number) => transport.times((m) => m.kind === 'response' && m.status === status).map((t) => t - t0);
  return { clock, transport, layer, req, tx, txs, sent };
}

describe('non-INVITE server transaction over UDP (RFC 3261 §17.2.2)', () => {
  it('starts in "Trying", where request retransmissions are absorbed and nothing is sent', () => {
    const { tx, transport, req, txs, clock } = setup();
    expect(tx).toBeInstanceOf(NonInviteServerTransaction);
    expect(tx.state).toBe(TransactionState.Trying);
    transport.deliver(req, PEER);
    clock.advance(1_000);
    expect(txs).toHaveLength(1);
    expect(transport.sent).toEqual([]);
  });

  it('a provisional response moves to "Proceeding", where retransmissions get it again', () => {
    const { tx, transport, req, sent, clock } = setup();
    tx.reply(100);
    expect(tx.state).toBe(TransactionState.Proceeding);
    clock.advance(500);
    transport.deliver(req, PEER);
    expect(sent(100)).toEqual([0, 500]);
  });

  it('a final response moves to "Completed", where each retransmission gets the final response again', () => {
    const { tx, transport, req, sent, clock } = setup();
    tx.reply(200);
    expect(tx.state).toBe(TransactionState.Completed);
    clock.advance(1_000);
    transport.deliver(req, PEER);
    transport.deliver(req, PEER);
    expect(sent(200)).toEqual([0, 1_000, 1_000]);
    // Only one final response.
    expect(tx.reply(500)).toBe(false);
  });

  it('Timer J keeps "Completed" for 64*T1 over UDP, then the transaction terminates', () => {
    const { tx, clock, layer } = setup();
    tx.reply(200);
    clock.advance(31_999);
    expect(tx.state).toBe(TransactionState.Completed);
    clock.advance(1);
    expect(tx.state).toBe(TransactionState.Terminated);
    expect(layer.size()).toBe(0);
    expect(clock.pending).toBe(0);
  });

  it('a transport error while sending the final response terminates the transaction', async () => {
    const { tx, transport, layer, clock } = setup();
    const errors: string[] = [];
    tx.user = { onTransportError: (e) => errors.push(e.message) };
    transport.failWith = new Error('no route');
    tx.reply(200);
    await new Promise((r) => setImmediate(r));
    expect(errors).toEqual(['no route']);
    expect(layer.size()).toBe(0);
    expect(clock.pending).toBe(0);
  });
});

describe('non-INVITE server transaction over TCP (reliable)', () => {
  it('Timer J is zero over a reliable transport: the final response ends the transaction', () => {
    const { tx, clock, layer, transport } = setup(PEER_TCP);
    expect(transport.holds).toBe(1);
    tx.reply(200);
    expect(tx.state).toBe(TransactionState.Terminated);
    expect(layer.size()).toBe(0);
    expect(clock.pending).toBe(0);
    expect(transport.holds).toBe(0);
  });
});
