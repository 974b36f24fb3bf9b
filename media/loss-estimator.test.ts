import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LossEstimator } from './loss-estimator.ts';

function feed(seqs: number[], ssrc = 1, est = new LossEstimator()): LossEstimator {
  for (const s of seqs) est.update(ssrc, s & 0xffff);
  return est;
}

describe('LossEstimator (RFC 3550 A.1)', () => {
  it('counts gaps as loss', () => {
    const e = feed([1, 2, 3, 5, 6, 8, 9, 10]);
    expect({ expected: e.expected, received: e.received, lost: e.lost }).toEqual({ expected: 10, received: 8, lost: 2 });
  });

  it('follows the 16-bit wrap', () => {
    const e = feed([65533, 65534, 65535, 0, 2, 3]);
    expect({ expected: e.expected, lost: e.lost }).toEqual({ expected: 7, lost: 1 });
  });

  it('does not count reordering or duplicates as loss', () => {
    const e = feed([10, 12, 11, 13, 13, 14]);
    expect({ expected: e.expected, received: e.received, lost: e.lost }).toEqual({ expected: 5, received: 6, lost: 0 });
  });

  it('ignores one stray jump, restarts after two packets in sequence', () => {
    const e = feed([1, 2, 3, 40000, 4, 5]);
    expect({ expected: e.expected, lost: e.lost }).toEqual({ expected: 5, lost: 0 });
    feed([20000, 20001, 20002], 1, e);
    // Old stream: 1–5 all there; new: 20001–20002 (the first after the jump only arms the restart).
    expect({ expected: e.expected, received: e.received, lost: e.lost }).toEqual({ expected: 7, received: 7, lost: 0 });
  });

  it('starts a new stream on an SSRC change and keeps the old totals', () => {
    const e = feed([100, 101, 103]);
    feed([7, 8, 9, 12], 2, e);
    expect({ expected: e.expected, received: e.received, lost: e.lost }).toEqual({ expected: 10, received: 7, lost: 3 });
  });

  it('matches the count of missing numbers for any in-order stream with gaps', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 65535 }), fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 500 }), (start, steps) => {
        const seqs = [start];
        for (const s of steps) seqs.push(seqs.at(-1)! + s);
        const e = feed(seqs);
        const expected = seqs.at(-1)! - start + 1;
        expect(e.expected).toBe(expected);
        expect(e.lost).toBe(expected - seqs.length);
      }),
    );
  });
});
