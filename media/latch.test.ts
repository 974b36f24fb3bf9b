import { describe, expect, it } from 'vitest';
import { ADMITTED, DEFAULT_LATCH_POLICY, FOREIGN, LATCHED, Latch, UNARMED } from './latch.ts';

const P = DEFAULT_LATCH_POLICY;

describe('Latch', () => {
  it('drops everything before it is armed, then latches the first source', () => {
    const l = new Latch(P);
    expect(l.admit('10.0.0.1', 4000, 1, 0)).toBe(UNARMED);
    l.arm('192.168.1.2', 4000, 0);
    expect(l.admit('10.0.0.1', 5000, 1, 10)).toBe(LATCHED);
    expect(l.admit('10.0.0.1', 5000, 1, 20)).toBe(ADMITTED);
    expect(l.admit('10.0.0.9', 5000, 1, 30)).toBe(FOREIGN);
    expect(l.admit('10.0.0.1', 5001, 99, 40)).toBe(FOREIGN);
    expect(l.changes).toBe(1);
  });

  it('in sdp-address mode latches only the SDP host, on any port', () => {
    const l = new Latch({ ...P, mode: 'sdp-address' });
    l.arm('192.168.1.2', 4000, 0);
    expect(l.admit('10.0.0.1', 4000, 1, 0)).toBe(FOREIGN);
    expect(l.admit('192.168.1.2', 4100, 1, 0)).toBe(LATCHED);
  });

  it('forgets the latch when a new SDP moves the media', () => {
    const l = new Latch(P);
    l.arm('192.168.1.2', 4000, 0);
    l.admit('10.0.0.1', 5000, 1, 0);
    l.arm('192.168.1.3', 4000, 60_000);
    expect(l.address).toBeUndefined();
    expect(l.admit('10.0.0.7', 6000, 1, 60_010)).toBe(LATCHED);
  });

  it('after a same-address re-offer, lets a new SSRC take over within the window only', () => {
    const l = new Latch(P);
    l.arm('192.168.1.2', 4000, 0);
    l.admit('10.0.0.1', 5000, 1, 0);
    // No re-offer: a new SSRC from elsewhere is foreign (the latched source keeps sending).
    expect(l.admit('10.0.0.2', 5000, 2, 100)).toBe(FOREIGN);
    l.arm('192.168.1.2', 4000, 10_000);
    l.admit('10.0.0.1', 5000, 1, 10_010);
    expect(l.admit('10.0.0.2', 5000, 1, 10_020)).toBe(FOREIGN); // same SSRC, old source alive
    expect(l.admit('10.0.0.2', 5000, 2, 10_030)).toBe(LATCHED);
    expect(l.admit('10.0.0.1', 5000, 3, 10_040)).toBe(LATCHED); // still in the window
    expect(l.admit('10.0.0.3', 5000, 4, 15_011)).toBe(FOREIGN); // window over
  });

  it('moves the latched SSRC to a new source after the old one fell silent (NAT rebinding)', () => {
    const l = new Latch(P);
    l.arm('192.168.1.2', 4000, 0);
    l.admit('10.0.0.1', 5000, 7, 10_000);
    expect(l.admit('10.0.0.1', 5002, 7, 10_500)).toBe(FOREIGN);
    expect(l.admit('10.0.0.1', 5002, 8, 11_500)).toBe(FOREIGN);
    expect(l.admit('10.0.0.1', 5002, 7, 11_500)).toBe(LATCHED);
  });

  it('keeps the latch through a hold re-offer with no address', () => {
    const l = new Latch(P);
    l.arm('192.168.1.2', 4000, 0);
    l.admit('10.0.0.1', 5000, 1, 0);
    l.arm(undefined, 4000, 100);
    expect(l.address).toBe('10.0.0.1');
  });
});
