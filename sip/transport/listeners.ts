// Typed event listeners that never let a listener's exception escape into socket callbacks: a bug
// above the transport is logged, and the next datagram is still read.
import type { Logger } from '../../lib/log.ts';

type Handlers<E> = { [K in keyof E]: (...args: never[]) => void };

export class Listeners<E extends Handlers<E>> {
  readonly #sets = new Map<keyof E, Set<E[keyof E]>>();
  readonly #logger: Logger;

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  /** Adds a listener; returns the function that removes it. */
  on<K extends keyof E>(event: K, listener: E[K]): () => void {
    let set = this.#sets.get(event);
    if (!set) this.#sets.set(event, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
    };
  }

  count<K extends keyof E>(event: K): number {
    return this.#sets.get(event)?.size ?? 0;
  }

  emit<K extends keyof E>(event: K, ...args: Parameters<E[K]>): void {
    const set = this.#sets.get(event);
    if (!set) return;
    for (const listener of [...set]) {
      try {
        (listener as unknown as (...a: Parameters<E[K]>) => void)(...args);
      } catch (e) {
        this.#logger.error('listener threw', { event: String(event), err: e instanceof Error ? e.message : String(e) });
      }
    }
  }
}
