// Comparing response digests without leaking, through timing, how many leading characters match.
import { timingSafeEqual } from 'node:crypto';

/**
 * True when `received` (hex, any case) equals `expected` (lower-case hex). The time depends only
 * on the expected length: a response of the wrong length is compared against itself-sized work.
 */
export function constantTimeHexEqual(received: string, expected: string): boolean {
  const a = Buffer.from(received.toLowerCase(), 'latin1');
  const b = Buffer.from(expected, 'latin1');
  if (a.length !== b.length) {
    timingSafeEqual(b, b);
    return false;
  }
  return timingSafeEqual(a, b);
}
