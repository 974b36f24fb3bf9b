// The order in which SIP events reach the machine when activities return some and signals bring
// the rest: a signal that overtook an activity's result waits for it.
import { describe, expect, it } from 'vitest';
import { SipEventStream } from './event-stream.ts';
import type { OrderedSipEvent, SipEvent } from './signals.ts';

const ep = 'e1';
const provisional = (seq?: number, epoch = ep): OrderedSipEvent => ({ type: 'sip.provisional', callid: 'c1', status: 180, reason: 'Ringing', ...(seq ? { seq, epoch } : {}) });
const answered = (seq?: number, epoch = ep): OrderedSipEvent => ({ type: 'sip.answered', callid: 'c1', status: 200, reason: 'OK', ...(seq ? { seq, epoch } : {}) });
const bye = (seq?: number, epoch = ep): OrderedSipEvent => ({ type: 'sip.bye', callid: 'c1', ...(seq ? { seq, epoch } : {}) });

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
});
