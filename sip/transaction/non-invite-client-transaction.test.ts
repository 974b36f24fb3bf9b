import { describe, expect, it } from 'vitest';
import type { SipResponse } from '../message/index.ts';
import { LocalResponse } from './local-response.ts';
import { NonInviteClientTransaction } from './non-invite-client-transaction.ts';
import { DEST_TCP, DEST_UDP, FakeTransport, PEER, PEER_TCP, newClock, ourRequest, responseTo } from './test-helpers.ts';
import { TransactionLayer } from './transaction-layer.ts';
import { TransactionState } from './transaction-state.ts';

function setup(dest = DEST_UDP, method = 'OPTIONS') {
  const clock = newClock();
  const t0 = clock.now();
  const transport = new FakeTransport(clock);
  const layer = new TransactionLayer({ transport, clock, user: { onRequest: () => {} } });
  const got: SipResponse[] = [];
  const req = ourRequest(method);
  const tx = layer.sendRequest(req, dest, { onResponse: (r) => got.push(r) });
  const sends = () => transport.times((m) => m.kind === 'request' && m.method === method).map((t) => t - t0);
  return { clock, transport, layer, req, tx, got, sends };
}

describe('non-INVITE client transaction over UDP (RFC 3261 §17.1.2)', () => {
  it('Timer E doubles the retransmission interval in "Trying", up to T2', () => {
    const { clock, sends, tx } = setup();
    expect(tx).toBeInstanceOf(NonInviteClientTransaction);
    expect(tx.state).toBe(TransactionState.Trying);
    clock.advance(16_000);
    // Intervals 0.5, 1, 2, then T2 = 4 s from then on.
    expect(sends()).toEqual([0, 500, 1_500, 3_500, 7_500, 11_500, 15_500]);
  });

  it('Timer E fires every T2 in "Proceeding"', () => {
    const { clock, transport, req, sends, tx, got } = setup();
    clock.advance(100);
    transport.deliver(responseTo(req, 100), PEER);
    expect(tx.state).toBe(TransactionState.Proceeding);
    expect(got.map((r) => r.status)).toEqual([100]);
    clock.advance(16_000);
    // The Timer E set in "Trying" (0.5 s) fires first; from then on T2.
    expect(sends()).toEqual([0, 500, 4_500, 8_500, 12_500]);
  });

  it('Timer F fires 64*T1 after the request: the TU gets a 408 and the transaction terminates', () => {
    const { clock, tx, got, layer, sends } = setup();
    clock.advance(31_999);
    expect(got).toEqual([]);
    clock.advance(1);
    expect(got.map((r) => r.status)).toEqual([408]);
    expect(got[0]).toBeInstanceOf(LocalResponse);
    expect(tx.state).toBe(TransactionState.Terminated);
    expect(sends()).toHaveLength(11);
    expect(layer.size()).toBe(0);
    expect(clock.pending).toBe(0);
  });

  it('Timer F also bounds "Proceeding"', () => {
    const { clock, transport, req, got } = setup();
    transport.deliver(responseTo(req, 183), PEER);
    clock.advance(32_000);
    expect(got.map((r) => r.status)).toEqual([183, 408]);
    expect(clock.pending).toBe(0);
  });

  it('a final response moves to "Completed"; retransmissions of it are absorbed; Timer K (T4) ends it', () => {
    const { clock, transport, req, tx, got, sends, layer } = setup();
    const ok = responseTo(req, 200);
    transport.deliver(ok, PEER);
    transport.deliver(ok, PEER);
    expect(tx.state).toBe(TransactionState.Completed);
    expect(got.map((r) => r.status)).toEqual([200]);
    clock.advance(4_999);
    expect(tx.state).toBe(TransactionState.Completed);
    expect(sends()).toEqual([0]);
    clock.advance(1);
    expect(tx.state).toBe(TransactionState.Terminated);
    expect(layer.size()).toBe(0);
    expect(clock.pending).toBe(0);
  });

  it('a transport error in "Trying" gives the TU a 503 and terminates the transaction', async () => {
    const clock = newClock();
    const transport = new FakeTransport(clock);
    const layer = new TransactionLayer({ transport, clock, user: { onRequest: () => {} } });
    const got: SipResponse[] = [];
    transport.failWith = new Error('EHOSTUNREACH');
    const tx = layer.sendRequest(ourRequest('BYE'), DEST_UDP, { onResponse: (r) => got.push(r) });
    await new Promise((r) => setImmediate(r));
    expect(got.map((r) => [r.status, (r as LocalResponse).cause])).toEqual([[503, 'transport-error']]);
    expect(tx.state).toBe(TransactionState.Terminated);
    expect(clock.pending).toBe(0);
  });
});

describe('non-INVITE client transaction over TCP (reliable)', () => {
  it('Timer E is not used over a reliable transport: the request is sent once', () => {
    const { clock, sends } = setup(DEST_TCP);
    clock.advance(31_000);
    expect(sends()).toEqual([0]);
  });

  it('Timer F still applies over a reliable transport', () => {
    const { clock, got } = setup(DEST_TCP);
    clock.advance(32_000);
    expect(got.map((r) => r.status)).toEqual([408]);
  });

  it('Timer K is zero over a reliable transport: "Completed" terminates at once', () => {
    const { clock, transport, req, tx, layer } = setup(DEST_TCP, 'REGISTER');
    transport.deliver(responseTo(req, 401), PEER_TCP);
    expect(tx.state).toBe(TransactionState.Terminated);
    expect(layer.size()).toBe(0);
    expect(clock.pending).toBe(0);
  });
});
