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

  describe('runOnce: a re-run gets the first run\'s outcome', () => {
    it('the second call with a key gets the first result and does not run its own', async () => {
      const guard = new OnceGuard({ clock: new ManualClock(0) });
      const runs: string[] = [];
      const first = guard.runOnce('r:1', async () => (runs.push('first'), { events: [1] }));
      const again = guard.runOnce('r:1', async () => (runs.push('again'), { events: [2] }));
      expect(await first).toEqual({ events: [1] });
      expect(await again).toEqual({ events: [1] });
      expect(runs).toEqual(['first']);
    });

    it('a re-run while the first still runs waits for that same outcome', async () => {
      const guard = new OnceGuard({ clock: new ManualClock(0) });
      let finish: (v: string) => void = () => undefined;
      const first = guard.runOnce('r:1', () => new Promise<string>((resolve) => (finish = resolve)));
      const again = guard.runOnce('r:1', async () => 'not me');
      finish('answered');
      expect(await Promise.all([first, again])).toEqual(['answered', 'answered']);
    });

    it('a failure is kept too, thrown or rejected, and not reported as unhandled', async () => {
      const guard = new OnceGuard({ clock: new ManualClock(0) });
      const thrown = guard.runOnce('r:1', () => {
        throw new Error('no route');
      });
      await expect(thrown).rejects.toThrow('no route');
      await expect(guard.runOnce('r:1', async () => 'x')).rejects.toThrow('no route');
      const rejected = guard.runOnce('r:2', () => Promise.reject(new Error('503')));
      await expect(guard.runOnce('r:2', async () => 'x')).rejects.toThrow('503');
      await expect(rejected).rejects.toThrow('503');
    });

    it('past the result\'s time the key is still known: undefined, nothing run', async () => {
      const clock = new ManualClock(0);
      const guard = new OnceGuard({ clock, ttlMs: 10_000, resultTtlMs: 1_000 });
      await guard.runOnce('r:1', async () => 1);
      clock.advance(999);
      expect(await guard.runOnce('r:1', async () => 2)).toBe(1);
      clock.advance(1);
      let ran = false;
      expect(guard.runOnce('r:1', async () => (ran = true))).toBeUndefined();
      expect(ran).toBe(false);
      expect(guard.results).toBe(0);
      clock.advance(9_000);
      expect(await guard.runOnce('r:1', async () => 3)).toBe(3);
    });

    it('over maxResults the oldest outcome goes first; its key still refuses', async () => {
      const guard = new OnceGuard({ clock: new ManualClock(0), maxResults: 2 });
      for (const k of ['a', 'b', 'c']) await guard.runOnce(k, async () => k);
      expect(guard.results).toBe(2);
      expect(guard.runOnce('a', async () => 'again')).toBeUndefined();
      expect(await guard.runOnce('c', async () => 'again')).toBe('c');
    });
  });
});
