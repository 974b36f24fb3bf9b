// 1,000 transactions of every kind run to completion on a lossy in-memory network under a
// ManualClock: afterwards no transaction, 2xx retransmission or timer may be left.
import { describe, expect, it } from 'vitest';
import { createRequest, type SipRequest, type SipResponse } from '../message/index.ts';
import type { TransportProtocol } from '../transport/types.ts';
import type { InviteClientTransaction } from './invite-client-transaction.ts';
import { LocalResponse } from './local-response.ts';
import { MemoryNetwork, newClock, ourRequest } from './test-helpers.ts';
import { TransactionLayer } from './transaction-layer.ts';
import { seededRandom } from '../../lib/seeded-random.ts';

type Scenario = 'options' | 'call' | 'busy' | 'cancel';
const SCENARIOS: Scenario[] = ['options', 'call', 'busy', 'cancel'];

function run(mode: TransportProtocol, count: number, lossRate: number) {
  const clock = newClock();
  const net = new MemoryNetwork();
  const random = seededRandom(42);
  // Losses only on UDP: TCP does not lose messages.
  if (lossRate > 0) net.drop = () => random() < lossRate;
  const a = net.endpoint('192.0.2.1', 5060, mode);
  const b = net.endpoint('192.0.2.2', 5060, mode);

  const uas = new TransactionLayer({
    transport: b,
    clock,
    user: {
      onRequest: (tx) => {
        const scenario = tx.request.headers.get('subject') as Scenario | undefined;
        switch (tx.method) {
          case 'INVITE':
            if (scenario === 'busy') tx.reply(486);
            else if (scenario === 'cancel') tx.reply(180);
            else tx.reply(200, undefined, { body: 'v=0\r\n', contentType: 'application/sdp' });
            return;
          case 'CANCEL': {
            const invite = uas.findInviteForCancel(tx.request);
            if (!invite) {
              tx.reply(481);
              return;
            }
            tx.reply(200);
            if (invite.finalResponse === undefined) invite.reply(487);
            return;
          }
          default:
            tx.reply(200);
        }
      },
    },
  });

  const outcomes = new Map<number, string>();
  const uac = new TransactionLayer({ transport: a, clock, user: { onRequest: (tx) => tx.reply(501) } });

  const start = (i: number): void => {
    const scenario = SCENARIOS[i % SCENARIOS.length]!;
    const req = ourRequest(scenario === 'options' ? 'OPTIONS' : 'INVITE', { extraHeaders: [`Subject: ${scenario}`] });
    let ack: SipRequest | undefined;
    const tx = uac.sendRequest(req, b.destination, {
      onResponse: (r: SipResponse) => {
        if (r.status < 200) {
          if (scenario === 'cancel') uac.cancel(tx as InviteClientTransaction);
          return;
        }
        if (outcomes.has(i) && !(r.status < 300 && req.method === 'INVITE')) return;
        outcomes.set(i, r instanceof LocalResponse ? `local ${r.status}` : String(r.status));
        if (req.method === 'INVITE' && r.status < 300) {
          // The UAC core: the same ACK for every 2xx, then BYE once.
          const first = ack === undefined;
          ack ??= createRequest({
            method: 'ACK',
            uri: 'sip:bob@192.0.2.2',
            from: r.headers.get('from')!,
            to: r.headers.get('to')!,
            callId: r.callId!,
            cseq: r.cseq!.seq,
          });
          void uac.sendAck(ack, b.destination).catch(() => {});
          if (first) {
            const bye = createRequest({
              method: 'BYE',
              uri: 'sip:bob@192.0.2.2',
              from: r.headers.get('from')!,
              to: r.headers.get('to')!,
              callId: r.callId!,
              cseq: r.cseq!.seq + 1,
            });
            uac.sendRequest(bye, b.destination);
          }
        }
      },
    });
  };

  for (let i = 0; i < count; i++) start(i);
  net.flush();
  // Long enough for every timer: 64*T1 timeouts, Timer D (32 s), L/M, 2xx give-up, after a BYE
  // that itself may start late.
  for (let t = 0; t < 120_000; t += 100) {
    clock.advance(100);
    net.flush();
  }
  return { clock, net, uac, uas, outcomes };
}

describe('no leaks after 1,000 transactions run to completion (ManualClock)', () => {
  it('over UDP with 10% loss: every transaction ends, no timer is left', () => {
    const { clock, net, uac, uas, outcomes } = run('udp', 1_000, 0.1);
    expect(outcomes.size).toBe(1_000);
    expect(net.lost).toBeGreaterThan(100);
    expect(uac.size()).toBe(0);
    expect(uas.size()).toBe(0);
    expect(uas.counts().retransmitting2xx).toBe(0);
    expect(clock.pending).toBe(0);
    // Most calls got through despite the losses: retransmissions work.
    const summary = [...outcomes.values()].reduce<Record<string, number>>((m, o) => ((m[o] = (m[o] ?? 0) + 1), m), {});
    expect(summary['200']! + summary['486']! + summary['487']!).toBeGreaterThan(950);
  });

  it('over TCP: every transaction ends at once where the RFC says zero, no timer is left', () => {
    const { clock, uac, uas, outcomes } = run('tcp', 1_000, 0);
    expect(outcomes.size).toBe(1_000);
    const summary = [...outcomes.values()].reduce<Record<string, number>>((m, o) => ((m[o] = (m[o] ?? 0) + 1), m), {});
    expect(summary).toEqual({ '200': 500, '486': 250, '487': 250 });
    expect(uac.size()).toBe(0);
    expect(uas.size()).toBe(0);
    expect(clock.pending).toBe(0);
  });
});
