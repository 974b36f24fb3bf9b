import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../lib/clock.ts';
import { NonceCountTable } from './nonce-count-table.ts';

describe('NonceCountTable', () => {
  it('accepts an increasing nc, and refuses an nc not above the highest seen (a replay)', () => {
    const t = new NonceCountTable({ clock: new ManualClock(0) });
    expect(t.advance('n', 1, 0, 1000)).toBe('accepted');
    expect(t.advance('n', 2, 0, 1000)).toBe('accepted');
    expect(t.advance('n', 2, 0, 1000)).toBe('replayed');
    expect(t.advance('n', 1, 0, 1000)).toBe('replayed');
    expect(t.advance('n', 7, 0, 1000)).toBe('accepted');
    expect(t.advance('n', 5, 0, 1000)).toBe('replayed');
  });

  it('tracks each nonce apart', () => {
    const t = new NonceCountTable({ clock: new ManualClock(0) });
    expect(t.advance('a', 1, 0, 1000)).toBe('accepted');
    expect(t.advance('b', 1, 0, 1000)).toBe('accepted');
  });

  it('drops entries whose nonce died (TTL by the clock)', () => {
    const clock = new ManualClock(0);
    const t = new NonceCountTable({ clock });
    t.advance('a', 1, 0, 1000);
    clock.advance(1000);
    t.advance('b', 1, 1000, 2000);
    expect(t.size).toBe(1);
  });

  it('stays within maxEntries, least recently used out first', () => {
    const t = new NonceCountTable({ clock: new ManualClock(0), maxEntries: 3 });
    for (let i = 1; i <= 10; i++) t.advance(`n${i}`, 1, i, 1_000_000);
    expect(t.size).toBe(3);
  });

  it('a forgotten nonce is never taken on trust: it may have been evicted with a higher nc', () => {
    const t = new NonceCountTable({ clock: new ManualClock(0), maxEntries: 2 });
    expect(t.advance('old', 5, 10, 1_000_000)).toBe('accepted');
    expect(t.advance('x', 1, 20, 1_000_000)).toBe('accepted');
    expect(t.advance('y', 1, 30, 1_000_000)).toBe('accepted'); // evicts "old" (issued at 10)
    // A replay of old's nc=5 (or any nc) cannot be told apart from first use: refused as forgotten.
    expect(t.advance('old', 5, 10, 1_000_000)).toBe('forgotten');
    expect(t.advance('old', 6, 10, 1_000_000)).toBe('forgotten');
    // A nonce issued after everything evicted has certainly never been seen.
    expect(t.advance('new', 1, 31, 1_000_000)).toBe('accepted');
  });

  it('recently used entries survive eviction', () => {
    const t = new NonceCountTable({ clock: new ManualClock(0), maxEntries: 2 });
    t.advance('a', 1, 1, 1_000_000);
    t.advance('b', 1, 2, 1_000_000);
    t.advance('a', 2, 1, 1_000_000); // a is now the most recent
    t.advance('c', 1, 3, 1_000_000); // evicts b
    expect(t.advance('a', 3, 1, 1_000_000)).toBe('accepted');
    expect(t.advance('b', 2, 2, 1_000_000)).toBe('forgotten');
  });
});
