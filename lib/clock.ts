// An injected clock, so timers (SIP transaction timers, HTTP timeouts) can be tested without waiting.

export type TimerHandle = { readonly id: number };

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle | undefined): void;
}

/**
 * A timer of the system clock: the handle is the timer itself, so setting and clearing one touches
 * no table (a call sets about twenty: transaction timers, retransmissions, media).
 */
class SystemTimer {
  readonly id: number;
  readonly timeout: NodeJS.Timeout;
  #fn: (() => void) | undefined;
  readonly #clock: SystemClock;

  constructor(id: number, fn: () => void, ms: number, clock: SystemClock) {
    this.id = id;
    this.#fn = fn;
    this.#clock = clock;
    this.timeout = setTimeout(SystemTimer.#fire, ms, this);
    // Timers never keep the process alive on their own: sockets do.
    this.timeout.unref();
  }

  static #fire(timer: SystemTimer): void {
    const fn = timer.#fn;
    if (!fn) return;
    timer.#fn = undefined;
    timer.#clock.settled();
    fn();
  }

  /** False once it fired or was cleared. */
  clear(): boolean {
    if (!this.#fn) return false;
    this.#fn = undefined;
    clearTimeout(this.timeout);
    return true;
  }
}

class SystemClock implements Clock {
  #next = 1;
  #pending = 0;

  now(): number {
    return Date.now();
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    this.#pending++;
    return new SystemTimer(this.#next++, fn, ms, this);
  }

  clearTimeout(handle: TimerHandle | undefined): void {
    if (handle instanceof SystemTimer && handle.clear()) this.#pending--;
  }

  /** A timer fired. */
  settled(): void {
    this.#pending--;
  }

  /** Live timers: used by leak tests. */
  get pending(): number {
    return this.#pending;
  }
}

export const systemClock = new SystemClock();

/** A clock that moves only when told to: `advance(ms)` fires due timers in time order. */
export class ManualClock implements Clock {
  #now: number;
  #next = 1;
  #timers = new Map<number, { at: number; fn: () => void }>();

  constructor(start = 0) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = this.#next++;
    this.#timers.set(id, { at: this.#now + Math.max(0, ms), fn });
    return { id };
  }

  clearTimeout(handle: TimerHandle | undefined): void {
    if (handle) this.#timers.delete(handle.id);
  }

  get pending(): number {
    return this.#timers.size;
  }

  /** Moves time forward, firing every timer that falls due, earliest first (ties in creation order). */
  advance(ms: number): void {
    const end = this.#now + ms;
    for (;;) {
      let dueId: number | undefined;
      let dueAt = Infinity;
      for (const [id, t] of this.#timers) {
        if (t.at <= end && t.at < dueAt) {
          dueAt = t.at;
          dueId = id;
        }
      }
      if (dueId === undefined) break;
      const t = this.#timers.get(dueId)!;
      this.#timers.delete(dueId);
      this.#now = t.at;
      t.fn();
    }
    this.#now = end;
  }
}
