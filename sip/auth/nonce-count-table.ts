// Replay protection for stateless nonces (RFC 7616 §3.4 and §5.4: the server keeps the last nc
// seen per nonce; an nc seen again is a replay). A bounded LRU map: entries leave when their nonce
// dies (so a TTL by the Clock) or when the table is full.
//
// Eviction must not reopen replays. The table keeps a watermark: the latest issue time of any live
// nonce it had to forget. A nonce it does not hold, issued at or before the watermark, may have been
// forgotten, so it is not trusted ('forgotten'); one issued after it has certainly never been seen.
// Under pressure this costs some clients one extra challenge, never a replay.
import type { Clock } from '../../lib/clock.ts';

export interface NonceCountTableOptions {
  readonly clock: Clock;
  /** Nonces tracked at once. Default 10,000 (about 1 MB). */
  readonly maxEntries?: number;
}

export type NonceCountVerdict =
  /** nc is above every nc seen with this nonce; it is now the highest. */
  | 'accepted'
  /** nc is not above the highest seen: a replay, or requests overtaking each other. */
  | 'replayed'
  /** The table may have dropped this nonce, so it cannot vouch for nc. */
  | 'forgotten';

interface Entry {
  nc: number;
  readonly issuedAt: number;
  readonly diesAt: number;
}

export class NonceCountTable {
  readonly maxEntries: number;
  readonly #clock: Clock;
  /** Insertion order is recency: the first key is the least recently used. */
  readonly #entries = new Map<string, Entry>();
  #watermark = -Infinity;

  constructor(opts: NonceCountTableOptions) {
    this.#clock = opts.clock;
    this.maxEntries = opts.maxEntries ?? 10_000;
    if (!Number.isSafeInteger(this.maxEntries) || this.maxEntries < 1) throw new RangeError('maxEntries must be a positive integer');
  }

  get size(): number {
    return this.#entries.size;
  }

  /**
   * Records `nc` for `nonce` if it is above the highest seen. `issuedAt` and `diesAt` come from the
   * nonce (checked fresh by the caller): an entry is kept no longer than its nonce can be used.
   */
  advance(nonce: string, nc: number, issuedAt: number, diesAt: number): NonceCountVerdict {
    const now = this.#clock.now();
    let entry = this.#entries.get(nonce);
    if (entry !== undefined && entry.diesAt <= now) {
      this.#entries.delete(nonce);
      entry = undefined;
    }
    if (entry === undefined) {
      if (issuedAt <= this.#watermark) return 'forgotten';
      entry = { nc, issuedAt, diesAt };
    } else {
      if (nc <= entry.nc) return 'replayed';
      entry.nc = nc;
      this.#entries.delete(nonce);
    }
    this.#entries.set(nonce, entry);
    this.#evict(now);
    return 'accepted';
  }

  #evict(now: number): void {
    for (const [nonce, e] of this.#entries) {
      if (e.diesAt <= now) {
        // A dead nonce is refused as stale anyway: forgetting it needs no watermark.
        this.#entries.delete(nonce);
      } else if (this.#entries.size > this.maxEntries) {
        this.#watermark = Math.max(this.#watermark, e.issuedAt);
        this.#entries.delete(nonce);
      } else {
        return;
      }
    }
  }
}
