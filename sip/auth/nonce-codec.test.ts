import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../lib/clock.ts';
import { NonceCodec } from './nonce-codec.ts';

const secret = Buffer.alloc(32, 7);

describe('NonceCodec', () => {
  it('a nonce it issued checks fresh, with its issue time', () => {
    const clock = new ManualClock(1_700_000_000_000);
    const codec = new NonceCodec({ clock, secret });
    const nonce = codec.issue('atlanta.com');
    expect(nonce).toMatch(/^[A-Za-z0-9_-]{47}$/);
    expect(codec.check(nonce, 'atlanta.com')).toEqual({ kind: 'fresh', issuedAt: 1_700_000_000_000, expiresAt: 1_700_000_300_000 });
  });

  it('every challenge gets a different nonce, even in the same millisecond', () => {
    const codec = new NonceCodec({ clock: new ManualClock(5), secret });
    const nonces = new Set(Array.from({ length: 100 }, () => codec.issue('a')));
    expect(nonces.size).toBe(100);
  });

  it('nonces stay distinct and valid across refills of the random pool', () => {
    const codec = new NonceCodec({ clock: new ManualClock(1_000) });
    // 4 KiB of random bytes serve 341 nonces of 12: 1,000 nonces take three refills.
    const nonces = Array.from({ length: 1_000 }, () => codec.issue('example.com'));
    expect(new Set(nonces).size).toBe(1_000);
    expect(new Set(nonces.map((n) => Buffer.from(n, 'base64url').subarray(7, 19).toString('hex'))).size).toBe(1_000);
    expect(nonces.every((n) => codec.check(n, 'example.com').kind === 'fresh')).toBe(true);
  });

  it('after its lifetime a nonce is stale, not invalid', () => {
    const clock = new ManualClock(1_000);
    const codec = new NonceCodec({ clock, secret, lifetimeMs: 60_000 });
    const nonce = codec.issue('a');
    clock.advance(59_999);
    expect(codec.check(nonce, 'a').kind).toBe('fresh');
    clock.advance(1);
    expect(codec.check(nonce, 'a')).toEqual({ kind: 'stale', issuedAt: 1_000 });
  });

  it('a nonce altered in any character is invalid', () => {
    const codec = new NonceCodec({ clock: new ManualClock(1_000), secret });
    const nonce = codec.issue('a');
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    for (let i = 0; i < nonce.length; i++) {
      const c = nonce[i]!;
      const other = alphabet[(alphabet.indexOf(c) + 1) % alphabet.length]!;
      const tampered = nonce.slice(0, i) + other + nonce.slice(i + 1);
      expect(codec.check(tampered, 'a').kind, `position ${i}`).toBe('invalid');
    }
  });

  it('a nonce is bound to its realm', () => {
    const codec = new NonceCodec({ clock: new ManualClock(1_000), secret });
    expect(codec.check(codec.issue('atlanta.com'), 'biloxi.com').kind).toBe('invalid');
  });

  it('a nonce of another secret (a restarted server) is invalid', () => {
    const clock = new ManualClock(1_000);
    const before = new NonceCodec({ clock });
    const after = new NonceCodec({ clock });
    expect(after.check(before.issue('a'), 'a').kind).toBe('invalid');
  });

  it('a nonce dated beyond the allowed clock skew is invalid', () => {
    const clock = new ManualClock(100_000);
    const codec = new NonceCodec({ clock, secret, maxClockSkewMs: 1_000 });
    const future = new NonceCodec({ clock: new ManualClock(102_000), secret }).issue('a');
    expect(codec.check(future, 'a').kind).toBe('invalid');
    const nearFuture = new NonceCodec({ clock: new ManualClock(100_500), secret }).issue('a');
    expect(codec.check(nearFuture, 'a').kind).toBe('fresh');
  });

  it.each(['', 'abc', 'x'.repeat(47), '!'.repeat(47), 'A'.repeat(48)])('garbage %j is invalid', (nonce) => {
    expect(new NonceCodec({ clock: new ManualClock(), secret }).check(nonce, 'a').kind).toBe('invalid');
  });

  it('refuses a short secret', () => {
    expect(() => new NonceCodec({ clock: new ManualClock(), secret: Buffer.alloc(8) })).toThrowError(RangeError);
  });
});
