import { describe, expect, it } from 'vitest';
import { ZodError } from 'zod';
import { FakeTransport, DEST_UDP, PEER, newClock, ourRequest, peerRequest } from './test-helpers.ts';
import { DEFAULT_TIMERS, resolveTimers, timerValues } from './timers.ts';
import { TransactionLayer } from './transaction-layer.ts';

describe('transaction timers (RFC 3261 Table 4, RFC 6026)', () => {
  it('T1 = 500 ms, T2 = 4 s, T4 = 5 s by default', () => {
    expect(DEFAULT_TIMERS).toMatchObject({ T1: 500, T2: 4_000, T4: 5_000, timerD: 32_000, trying100Ms: 200 });
  });

  it('the table of values over UDP and over TCP', () => {
    const cfg = resolveTimers();
    const udp = timerValues(cfg, false);
    const tcp = timerValues(cfg, true);
    const table = Object.fromEntries(
      (['A', 'B', 'D', 'E', 'F', 'G', 'H', 'I', 'J', 'K', 'L', 'M'] as const).map((k) => [k, [udp[k], tcp[k]]]),
    );
    expect(table).toEqual({
      A: [500, undefined],
      B: [32_000, 32_000],
      D: [32_000, 0],
      E: [500, undefined],
      F: [32_000, 32_000],
      G: [500, undefined],
      H: [32_000, 32_000],
      I: [5_000, 0],
      J: [32_000, 0],
      K: [5_000, 0],
      L: [32_000, 32_000],
      M: [32_000, 32_000],
    });
  });

  it('T1, T2 and T4 are configurable and every timer follows them', () => {
    const clock = newClock();
    const t0 = clock.now();
    const transport = new FakeTransport(clock);
    const layer = new TransactionLayer({ transport, clock, timers: { T1: 100, T2: 400 }, user: { onRequest: () => {} } });
    const got: number[] = [];
    layer.sendRequest(ourRequest('OPTIONS'), DEST_UDP, { onResponse: (r) => got.push(r.status) });
    clock.advance(6_400);
    expect(transport.times(() => true).map((t) => t - t0)).toEqual([0, 100, 300, 700, 1_100, 1_500, 1_900, 2_300, 2_700, 3_100, 3_500, 3_900, 4_300, 4_700, 5_100, 5_500, 5_900, 6_300]);
    expect(got).toEqual([408]);
  });

  it('trying100Ms: 0 sends the 100 Trying as the INVITE arrives', () => {
    const clock = newClock();
    const transport = new FakeTransport(clock);
    new TransactionLayer({ transport, clock, timers: { trying100Ms: 0 }, user: { onRequest: () => {} } });
    transport.deliver(peerRequest('INVITE'), PEER);
    expect(transport.responses(100)).toHaveLength(1);
  });

  it('bad values are refused with the field named', () => {
    expect(() => resolveTimers({ T1: 1_000, T2: 500 })).toThrow(ZodError);
    expect(() => resolveTimers({ T1: 0 })).toThrow(/T1/);
  });
});
