// A request's Headers that answers get() and has() from the parsed field lines. A router and an
// authentication check read a field or two per request; building undici's Headers for that (a copy
// and a ByteString check of every field) was a fifth of the API's own CPU on a GET. Everything else
// (iteration, set, append, …) builds the real Headers once and goes there from then on, so what a
// handler sees never differs from a native Headers. `instanceof Headers` holds.
import { isToken } from './chars.ts';

const kReal = Symbol('lazyHeaders.real');

export class LazyHeaders {
  /** Field lines as parsed: names lower-cased, values valid for Headers. */
  #lines: readonly (readonly [string, string])[];
  #real: Headers | undefined;

  constructor(lines: readonly (readonly [string, string])[]) {
    this.#lines = lines;
  }

  /** Fetch "get": the values of every line with that name, joined with ", "; null when there is none. */
  get(name: string): string | null {
    if (this.#real || typeof name !== 'string' || !isToken(name)) return this.#materialize().get(name);
    const key = lower(name);
    let out: string | null = null;
    for (const [n, v] of this.#lines) if (n === key) out = out === null ? v : `${out}, ${v}`;
    return out;
  }

  has(name: string): boolean {
    if (this.#real || typeof name !== 'string' || !isToken(name)) return this.#materialize().has(name);
    const key = lower(name);
    for (const [n] of this.#lines) if (n === key) return true;
    return false;
  }

  /** The native Headers (built once); after this call every method goes there. */
  [kReal](): Headers {
    return this.#materialize();
  }

  #materialize(): Headers {
    return (this.#real ??= new Headers(this.#lines as [string, string][]));
  }

  // Everything else on Headers.prototype (symbols included: iteration, inspection) is the real one's.
  static {
    for (const key of Reflect.ownKeys(Headers.prototype)) {
      if (key === 'constructor' || Object.prototype.hasOwnProperty.call(LazyHeaders.prototype, key)) continue;
      const desc = Object.getOwnPropertyDescriptor(Headers.prototype, key);
      if (typeof desc?.get === 'function') {
        Object.defineProperty(LazyHeaders.prototype, key, {
          get(this: LazyHeaders) {
            return Reflect.get(this.#materialize(), key) as unknown;
          },
          configurable: true,
        });
      } else if (typeof desc?.value === 'function') {
        Object.defineProperty(LazyHeaders.prototype, key, {
          value(this: LazyHeaders, ...args: unknown[]) {
            const real = this.#materialize();
            return (Reflect.get(real, key) as (...a: unknown[]) => unknown).apply(real, args);
          },
          configurable: true,
          writable: true,
        });
      }
    }
  }
}

Object.setPrototypeOf(LazyHeaders.prototype, Headers.prototype);

/** ASCII lower case, as Fetch compares names (toLowerCase would also fold non-ASCII; tokens have none). */
function lower(name: string): string {
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c >= 0x41 && c <= 0x5a) return name.toLowerCase();
  }
  return name;
}

/** Headers over parsed field lines, light until more than get/has is asked of them. */
export function createLazyHeaders(lines: readonly (readonly [string, string])[]): Headers {
  return new LazyHeaders(lines) as unknown as Headers;
}

/** The native Headers behind `h` (itself when it is native already). */
export function realHeaders(h: Headers): Headers {
  const f = (h as unknown as { [kReal]?: () => Headers })[kReal];
  return typeof f === 'function' ? f.call(h) : h;
}
