// Log lines caused by what peers send are capped: a flood of garbage datagrams must not become a
// flood of log lines. Counts per window of the injected clock; no timer of its own.
import type { Clock } from '../../lib/clock.ts';
import type { LogFields, Logger } from '../../lib/log.ts';

export class LogLimiter {
  readonly #logger: Logger;
  readonly #clock: Clock;
  readonly #perWindow: number;
  readonly #windowMs: number;
  #windowStart = -Infinity;
  #count = 0;
  #suppressed = 0;

  constructor(logger: Logger, clock: Clock, perWindow = 20, windowMs = 1000) {
    this.#logger = logger;
    this.#clock = clock;
    this.#perWindow = perWindow;
    this.#windowMs = windowMs;
  }

  warn(msg: string, fields?: LogFields): void {
    this.#log('warn', msg, fields);
  }

  info(msg: string, fields?: LogFields): void {
    this.#log('info', msg, fields);
  }

  #log(level: 'warn' | 'info', msg: string, fields?: LogFields): void {
    const now = this.#clock.now();
    if (now - this.#windowStart >= this.#windowMs) {
      if (this.#suppressed > 0) this.#logger.warn('log lines suppressed', { count: this.#suppressed });
      this.#windowStart = now;
      this.#count = 0;
      this.#suppressed = 0;
    }
    if (++this.#count > this.#perWindow) {
      this.#suppressed++;
      return;
    }
    this.#logger[level](msg, fields);
  }
}
