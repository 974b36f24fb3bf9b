// Which local activity executions this node already started, so a re-run sends nothing.
//
// A local activity runs inside the workflow task; when that task is retried (the worker stalled past
// the task timeout) the activities whose results were not recorded run again, under the same
// activity id (the workflow's local-activity sequence number). The node keeps the keys it saw for a
// while: long enough to outlive any task retry, bounded so a busy node's memory stays flat.
import { systemClock, type Clock } from '../lib/clock.ts';

/** A task retry comes within a task timeout or two (seconds): ten minutes is far past that. */
export const ONCE_GUARD_TTL_MS = 10 * 60_000;
/** About 15 MB of keys at most; at 500 sending activities a second still over 3 minutes kept. */
export const ONCE_GUARD_MAX_ENTRIES = 100_000;

export interface OnceGuardOptions {
  clock?: Clock;
  ttlMs?: number;
  maxEntries?: number;
}

export class OnceGuard {
  readonly #clock: Clock;
  readonly #ttlMs: number;
  readonly #maxEntries: number;
  /** key → when it was first seen; a Map keeps insertion order, so the oldest come first. */
  readonly #seen = new Map<string, number>();

  constructor(options: OnceGuardOptions = {}) {
    this.#clock = options.clock ?? systemClock;
    this.#ttlMs = options.ttlMs ?? ONCE_GUARD_TTL_MS;
    this.#maxEntries = Math.max(1, options.maxEntries ?? ONCE_GUARD_MAX_ENTRIES);
  }

  /** True the first time `key` is claimed (within the TTL), false on every later claim. */
  claim(key: string): boolean {
    const now = this.#clock.now();
    this.#prune(now);
    if (this.#seen.has(key)) return false;
    this.#seen.set(key, now);
    // Over the bound: forget the oldest. Only a retry slower than the whole window could slip by.
    for (const oldest of this.#seen.keys()) {
      if (this.#seen.size <= this.#maxEntries) break;
      this.#seen.delete(oldest);
    }
    return true;
  }

  get size(): number {
    return this.#seen.size;
  }

  /** Drops the expired keys from the front; stops at the first live one (a clock stepped back only
   * delays some expiries). */
  #prune(now: number): void {
    for (const [key, at] of this.#seen) {
      if (now - at < this.#ttlMs) break;
      this.#seen.delete(key);
    }
  }
}
