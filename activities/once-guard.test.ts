// The once-guard's bounds: keys expire after the TTL, and the oldest go when there are too many.
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../lib/clock.ts';
import { OnceGuard } from './once-guard.ts';

describe('OnceGuard', () => {
  it('a key is claimed once; claimed again only after the TTL', () => {
    const clock = new ManualClock(0);
    const guard = new OnceGuard({ clock, ttlMs: 1_000 });
    expect(guard.claim('r:1')).toBe(true);
    expect(guard.claim('r:1')).toBe(false);
    expect(guard.claim('r:2')).toBe(true);
    clock.advance(999);
    expect(guard.claim('r:1')).toBe(false);
    clock.advance(1);
    expect(guard.claim('r:1')).toBe(true);
  });

  it('expired keys are dropped, so memory follows the rate, not the uptime', () => {
    const clock = new ManualClock(0);
    const guard = new OnceGuard({ clock, ttlMs: 100 });
    for (let i = 0; i < 1_000; i++) {
      guard.claim(`r:${i}`);
      clock.advance(1);
    }
    expect(guard.size).toBe(100);
  });

  it('over maxEntries the oldest key is forgotten first', () => {
    const guard = new OnceGuard({ clock: new ManualClock(0), maxEntries: 3 });
    for (const k of ['a', 'b', 'c', 'd']) expect(guard.claim(k)).toBe(true);
    expect(guard.size).toBe(3);
    expect(guard.claim('b')).toBe(false);
    expect(guard.claim('a')).toBe(true);
  });
});
