import { describe, expect, it } from 'vitest';
import { ManualClock, systemClock } from './clock.ts';

describe('systemClock', () => {
  it('fires a timer once, and counts it pending until it fires', async () => {
    const before = systemClock.pending;
    let fired = 0;
    await new Promise<void>((resolve) => {
      systemClock.setTimeout(() => {
        fired++;
        resolve();
      }, 5);
      expect(systemClock.pending).toBe(before + 1);
    });
    expect({ fired, pending: systemClock.pending }).toEqual({ fired: 1, pending: before });
  });

  it('never fires a cleared timer; clearing twice, after firing or a handle of another clock changes nothing', async () => {
    const before = systemClock.pending;
    let fired = 0;
    const h = systemClock.setTimeout(() => fired++, 5);
    systemClock.clearTimeout(h);
    systemClock.clearTimeout(h);
    systemClock.clearTimeout(undefined);
    const other = systemClock.setTimeout(() => fired++, 5);
    systemClock.clearTimeout(new ManualClock().setTimeout(() => {}, 1));
    expect(systemClock.pending).toBe(before + 1);
    await new Promise((r) => setTimeout(r, 30));
    systemClock.clearTimeout(other);
    expect({ fired, pending: systemClock.pending }).toEqual({ fired: 1, pending: before });
  });

  it('a timer may set another from its callback', async () => {
    const before = systemClock.pending;
    await new Promise<void>((resolve) => systemClock.setTimeout(() => systemClock.setTimeout(resolve, 1), 1));
    expect(systemClock.pending).toBe(before);
  });
});
