// Which local activity executions this node already started, so a re-run sends nothing and gets
// the first run's outcome instead.
//
// A local activity runs inside the workflow task; when that task is retried (the worker stalled past
// the task timeout, or the server refused its completion because a signal came in meanwhile:
// UnhandledCommand) the activities whose results were not recorded run again, under the same
// activity id (the workflow's local-activity sequence number). The node keeps the keys it saw for a
// while, long enough to outlive any task retry, and the outcome of each for a shorter while: a
// retry comes within seconds, and a re-run that gets the first run's result lets the script go on as
// it would have (a refusal would send it down its failure route although the call went through).
// Both are bounded, so a busy node's memory stays flat.
import { systemClock, type Clock } from '../lib/clock.ts';

/** A task retry comes within a task timeout or two (seconds): ten minutes is far past that. */
export const ONCE_GUARD_TTL_MS = 10 * 60_000;
/** About 15 MB of keys at most; at 500 sending activities a second still over 3 minutes kept. */
export const ONCE_GUARD_MAX_ENTRIES = 100_000;
/** How long a first run's outcome is kept for a re-run: retries come within a task timeout (10 s). */
export const ONCE_GUARD_RESULT_TTL_MS = 2 * 60_000;
/** Outcomes kept at most (each a small result, about 1 KB): 150 a second for two minutes. */
export const ONCE_GUARD_MAX_RESULTS = 20_000;

export interface OnceGuardOptions {
  clock?: Clock;
  ttlMs?: number;
  maxEntries?: number;
  resultTtlMs?: number;
  maxResults?: number;
}

/** Expires entries from the front of an insertion-ordered Map, and the oldest over a bound. */
function trim<V>(map: Map<string, { at: number } & V>, now: number, ttlMs: number, max: number): void {
  // Stops at the first live one: a clock stepped back only delays some expiries.
  for (const [key, entry] of map) {
    if (now - entry.at < ttlMs && map.size <= max) break;
    map.delete(key);
  }
}

export class OnceGuard {
  readonly #clock: Clock;
  readonly #ttlMs: number;
  readonly #maxEntries: number;
  readonly #resultTtlMs: number;
  readonly #maxResults: number;
  /** key → when it was first seen; a Map keeps insertion order, so the oldest come first. */
  readonly #seen = new Map<string, { at: number }>();
  /** key → the first run's outcome, kept for `resultTtlMs`. */
  readonly #results = new Map<string, { at: number; outcome: Promise<unknown> }>();

  constructor(options: OnceGuardOptions = {}) {
    this.#clock = options.clock ?? systemClock;
    this.#ttlMs = options.ttlMs ?? ONCE_GUARD_TTL_MS;
    this.#maxEntries = Math.max(1, options.maxEntries ?? ONCE_GUARD_MAX_ENTRIES);
    this.#resultTtlMs = Math.min(this.#ttlMs, options.resultTtlMs ?? ONCE_GUARD_RESULT_TTL_MS);
    this.#maxResults = Math.max(1, options.maxResults ?? ONCE_GUARD_MAX_RESULTS);
  }

  /** True the first time `key` is claimed (within the TTL), false on every later claim. */
  claim(key: string): boolean {
    const now = this.#clock.now();
    trim(this.#seen, now, this.#ttlMs, Infinity);
    if (this.#seen.has(key)) return false;
    this.#seen.set(key, { at: now });
    // Over the bound: forget the oldest. Only a retry slower than the whole window could slip by.
    trim(this.#seen, now, this.#ttlMs, this.#maxEntries);
    return true;
  }

  /**
   * Runs `send` the first time `key` is claimed and keeps its outcome; a later call with the same
   * key gets that same outcome (result or failure, even while the first is still running) and
   * sends nothing. `undefined` when the key was seen but its outcome is no longer kept.
   */
  runOnce<T>(key: string, send: () => Promise<T>): Promise<T> | undefined {
    const now = this.#clock.now();
    trim(this.#results, now, this.#resultTtlMs, Infinity);
    if (!this.claim(key)) return this.#results.get(key)?.outcome as Promise<T> | undefined;
    let outcome: Promise<T>;
    try {
      outcome = send();
    } catch (err) {
      outcome = Promise.reject(err);
    }
    // The first caller handles a failure; the kept copy must not count as unhandled.
    outcome.catch(() => undefined);
    this.#results.set(key, { at: now, outcome });
    trim(this.#results, now, this.#resultTtlMs, this.#maxResults);
    return outcome;
  }

  get size(): number {
    return this.#seen.size;
  }

  /** Outcomes kept for re-runs. */
  get results(): number {
    return this.#results.size;
  }
}
