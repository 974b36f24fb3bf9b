// The order in which SIP events reach the machine when activities return some and signals bring
// the rest: a signal that overtook an activity's result waits for it (remote activities), and a
// result that overtook earlier signals waits for them (local activities).
import { describe, expect, it } from 'vitest';
import { SipEventStream } from './event-stream.ts';
import type { OrderedSipEvent, SipEvent } from './signals.ts';

const ep = 'e1';
const provisional = (seq?: number, epoch = ep): OrderedSipEvent => ({ type: 'sip.provisional', callid: 'c1', status: 180, reason: 'Ringing', ...(seq ? { seq, epoch } : {}) });
const answered = (seq?: number, epoch = ep): OrderedSipEvent => ({ type: 'sip.answered', callid: 'c1', status: 200, reason: 'OK', ...(seq ? { seq, epoch } : {}) });
const bye = (seq?: number, epoch = ep): OrderedSipEvent => ({ type: 'sip.bye', callid: 'c1', ...(seq ? { seq, epoch } : {}) });
/** A provisional response whose status tells the events apart once seq is gone: 100 + seq. */
const n = (seq: number, epoch = ep): OrderedSipEvent => ({ type: 'sip.provisional', callid: 'c1', status: 100 + seq, reason: 'x', seq, epoch });
const seqs = (taken: SipEvent[]) => taken.map((e) => (e.type === 'sip.provisional' ? e.status - 100 : e.type));

function stream() {
  const taken: SipEvent[] = [];
  return { s: new SipEventStream((e) => taken.push(e)), taken, types: () => taken.map((e) => e.type) };
}

describe('SipEventStream', () => {
  it('passes signals on at once, in arrival order, when no activity may return events (runs recorded before collection)', () => {
    const { s, taken } = stream();
    s.signal(answered());
    s.signal(provisional());
    expect(taken).toEqual([answered(), provisional()]);
  });

  it('hands the machine the events without seq and epoch', () => {
    const { s, taken } = stream();
    s.begin();
    s.end([provisional(1), answered(2)]);
    expect(taken).toEqual([provisional(), answered()]);
  });

  it('a signal that overtook the result it follows (a gap in seq) waits for that result, then comes after it', () => {
    const { s, types } = stream();
    s.begin();
    s.signal(bye(3));
    expect(types()).toEqual([]);
    expect(s.holding).toBe(1);
    s.end([provisional(1), answered(2)]);
    expect(types()).toEqual(['sip.provisional', 'sip.answered', 'sip.bye']);
    expect(s.holding).toBe(0);
  });

  it('a signal next in line is not held while an activity is out', () => {
    const { s, types } = stream();
    s.begin();
    s.end([provisional(1)]);
    s.begin();
    s.signal(answered(2));
    expect(types()).toEqual(['sip.provisional', 'sip.answered']);
  });

  it('held signals go out in seq order; once the activity failed (no events) they go out anyway', () => {
    const { s, types } = stream();
    s.begin();
    s.signal(bye(3));
    s.signal(answered(2));
    // Nothing taken yet: 2 skips 1, so it waits too.
    expect(types()).toEqual([]);
    s.end([]);
    expect(types()).toEqual(['sip.answered', 'sip.bye']);
  });

  it('with two activities out, the first result releases only what follows it without a gap', () => {
    const { s, types } = stream();
    s.begin();
    s.begin();
    s.signal(bye(4));
    s.end([provisional(1), answered(2)]);
    expect(types()).toEqual(['sip.provisional', 'sip.answered']);
    s.end([]);
    expect(types()).toEqual(['sip.provisional', 'sip.answered', 'sip.bye']);
  });

  it("another router's numbering (the node restarted) is not compared: its signals pass at once", () => {
    const { s, types } = stream();
    s.begin();
    s.end([provisional(5)]);
    s.begin();
    s.signal(answered(1, 'e2'));
    expect(types()).toEqual(['sip.provisional', 'sip.answered']);
  });

  describe('a result that overtook signals sent before its activity started (local activities)', () => {
    it('a result whose first seq skips a number is held until the signal filling the gap comes, then the signal goes first', () => {
      const { s, taken } = stream();
      s.begin();
      s.end([n(1), n(2)]);
      s.begin();
      s.end([n(4), n(5)]);
      expect(seqs(taken)).toEqual([1, 2]);
      expect(s.holdingResult).toBe(true);
      s.signal(n(3));
      expect(seqs(taken)).toEqual([1, 2, 3, 4, 5]);
      expect(s.holdingResult).toBe(false);
    });

    it('a first seq of 1 in the first numbered result is no gap', () => {
      const { s, taken } = stream();
      s.signal(bye());
      s.begin();
      s.end([n(1), n(2)]);
      expect(seqs(taken)).toEqual(['sip.bye', 1, 2]);
      expect(s.holdingResult).toBe(false);
    });

    it('before any numbered event, a result starting past 1 waits for the signals numbered before it', () => {
      const { s, taken } = stream();
      s.begin();
      s.end([n(3)]);
      expect(s.holdingResult).toBe(true);
      s.signal(n(1));
      expect(seqs(taken)).toEqual([1]);
      s.signal(n(2));
      expect(seqs(taken)).toEqual([1, 2, 3]);
    });

    it('two gap signals arriving in reverse order still go out in seq order before the result', () => {
      const { s, taken } = stream();
      s.begin();
      s.end([n(1)]);
      s.begin();
      s.end([n(4), n(5)]);
      s.signal(n(3));
      expect(seqs(taken)).toEqual([1]);
      expect(s.holding).toBe(1);
      s.signal(n(2));
      expect(seqs(taken)).toEqual([1, 2, 3, 4, 5]);
      expect(s.holding).toBe(0);
      expect(s.holdingResult).toBe(false);
    });

    it('a signal numbered past the held result (the gap can no longer fill in order) releases the held events in seq order before it', () => {
      const { s, taken } = stream();
      s.begin();
      s.end([n(1)]);
      s.begin();
      s.end([n(3), n(4)]);
      s.signal(n(6));
      expect(seqs(taken)).toEqual([1, 3, 4, 6]);
      expect(s.holdingResult).toBe(false);
      s.signal(n(2));
      expect(seqs(taken)).toEqual([1, 3, 4, 6, 2]);
    });

    it('a signal numbered past one held result releases only what is below it; a later held result keeps waiting', () => {
      const { s, taken } = stream();
      s.begin();
      s.end([n(1)]);
      s.begin();
      s.end([n(3)]);
      s.begin();
      s.end([n(6)]);
      s.signal(n(4));
      expect(seqs(taken)).toEqual([1, 3, 4]);
      expect(s.holdingResult).toBe(true);
      s.signal(n(5));
      expect(seqs(taken)).toEqual([1, 3, 4, 5, 6]);
    });

    it('flush() releases every held event, signals and results, in seq order', () => {
      const { s, taken } = stream();
      s.begin();
      s.end([n(1)]);
      s.begin();
      s.end([n(5), n(6)]);
      s.signal(n(4));
      expect(seqs(taken)).toEqual([1]);
      expect(s.holding).toBe(1);
      s.flush();
      expect(seqs(taken)).toEqual([1, 4, 5, 6]);
      expect(s.holding).toBe(0);
      expect(s.holdingResult).toBe(false);
      // Afterwards the stream carries on from the last seq passed.
      s.signal(n(7));
      expect(seqs(taken)).toEqual([1, 4, 5, 6, 7]);
    });

    it('flush() with nothing held does nothing', () => {
      const { s, taken } = stream();
      s.flush();
      expect(taken).toEqual([]);
    });

    it("a result in another router's numbering (the node restarted, seqs start again) is no gap: it passes at once", () => {
      const { s, taken } = stream();
      s.begin();
      s.end([n(7)]);
      s.begin();
      s.end([n(3, 'e2'), n(4, 'e2')]);
      expect(seqs(taken)).toEqual([7, 3, 4]);
      expect(s.holdingResult).toBe(false);
      s.signal(n(5, 'e2'));
      expect(seqs(taken)).toEqual([7, 3, 4, 5]);
    });

    it("a signal in another router's numbering releases a held result first, so it never waits for the old numbering", () => {
      const { s, taken } = stream();
      s.begin();
      s.end([n(1)]);
      s.begin();
      s.end([n(3)]);
      s.signal(n(1, 'e2'));
      expect(seqs(taken)).toEqual([1, 3, 1]);
      expect(s.holdingResult).toBe(false);
    });

    it('events without seq pass at once, even while a result is held', () => {
      const { s, taken } = stream();
      s.begin();
      s.end([n(1)]);
      s.begin();
      s.end([n(3)]);
      s.signal(bye());
      expect(seqs(taken)).toEqual([1, 'sip.bye']);
      s.begin();
      s.end([answered()]);
      expect(seqs(taken)).toEqual([1, 'sip.bye', 'sip.answered']);
      expect(s.holdingResult).toBe(true);
    });

    it('an unnumbered event inside a held result keeps its place after the event before it', () => {
      const { s, taken } = stream();
      s.begin();
      s.end([n(1)]);
      s.begin();
      s.end([n(3), bye(), n(4)]);
      s.signal(n(2));
      expect(seqs(taken)).toEqual([1, 2, 3, 'sip.bye', 4]);
    });

    it('holdingResult is false for held signals alone (the remote race), true only while a result waits', () => {
      const { s } = stream();
      s.begin();
      s.signal(n(2));
      expect(s.holding).toBe(1);
      expect(s.holdingResult).toBe(false);
      s.end([n(1)]);
      expect(s.holding).toBe(0);
      s.begin();
      s.end([n(4)]);
      expect(s.holdingResult).toBe(true);
      expect(s.holding).toBe(0);
    });
  });

  describe('holdGaps (local runs): a retried workflow task delivers its signals before the result they follow', () => {
    function local() {
      const taken: SipEvent[] = [];
      return { s: new SipEventStream((e) => taken.push(e), { holdGaps: true }), taken };
    }

    it('a signal past a gap is held with nothing out; the re-run activity\'s first result fills the gap, then it passes', () => {
      const { s, taken } = local();
      // The retry: the 200 signalled during the failed task comes first, before the timer that
      // places the call fires again.
      s.signal(n(3));
      expect(seqs(taken)).toEqual([]);
      expect(s.holdingForGap).toBe(true);
      s.begin();
      expect(s.holdingForGap).toBe(false);
      s.end([n(1), n(2)]);
      expect(seqs(taken)).toEqual([1, 2, 3]);
      expect(s.holding).toBe(0);
      expect(s.holdingForGap).toBe(false);
    });

    it('without holdGaps (queued activities, runs started before) such a signal passes at once, as always', () => {
      const { s, taken } = stream();
      s.signal(n(3));
      expect(seqs(taken)).toEqual([3]);
    });

    it('an activity that returns nothing does not release a held signal out of turn; flush() does', () => {
      const { s, taken } = local();
      s.signal(n(5));
      s.begin();
      s.end([]);
      expect(seqs(taken)).toEqual([]);
      expect(s.holdingForGap).toBe(true);
      s.flush();
      expect(seqs(taken)).toEqual([5]);
    });

    it('the late signal that fills the gap releases what waited behind it, in order', () => {
      const { s, taken } = local();
      s.begin();
      s.end([n(1)]);
      s.signal(n(3));
      s.signal(n(4));
      expect(seqs(taken)).toEqual([1]);
      s.signal(n(2));
      expect(seqs(taken)).toEqual([1, 2, 3, 4]);
    });

    it('a signal next in line, or an unnumbered one, is never held', () => {
      const { s, taken } = local();
      s.signal(provisional());
      s.signal(n(1));
      // The unnumbered 180 shows as 80 (status − 100), then seq 1.
      expect(seqs(taken)).toEqual([80, 1]);
      expect(s.holding).toBe(0);
    });

    it('another epoch (the node restarted) is not held for the old numbering', () => {
      const { s, taken } = local();
      s.begin();
      s.end([n(1)]);
      s.signal(n(3, 'e2'));
      expect(seqs(taken)).toEqual([1, 3]);
    });
  });
});
