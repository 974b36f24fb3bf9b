// A Request that is only as expensive as what the handler touches. Building a WHATWG Request costs
// a URL parse, a Headers copy, a body stream and an AbortSignal per request; a router that reads
// the method, the URL and one header needs none of that. `method`, `url`, `headers`, `signal` and
// the body readers (text, json, arrayBuffer, bytes, blob) are served from the parsed head; anything
// else builds the real Request once and delegates to it. `instanceof Request` holds. The headers are
// light too (http/lazy-headers.ts): get() and has() read the parsed field lines.
import { createLazyHeaders, realHeaders } from './lazy-headers.ts';

const kAbort = Symbol('abort');
const kMaterialize = Symbol('materialize');

export const NativeRequest: typeof Request = globalThis.Request;

export interface LazyRequestInit {
  method: string;
  url: string;
  /** Field lines as parsed: names lower-cased, already validated, so Headers accepts every one. */
  headers: [string, string][];
  /** The body, or null for methods whose WHATWG Request cannot carry one (GET, HEAD). */
  body: Uint8Array | null;
}

const decoder = new TextDecoder();

function bodyUnusable(): TypeError {
  return new TypeError('Body is unusable: Body has already been read');
}

export class LazyRequest {
  #init: LazyRequestInit;
  #headers: Headers | undefined;
  #used = false;
  #real: Request | undefined;
  #controller: AbortController | undefined;
  #abortReason: unknown;
  #aborted = false;

  constructor(init: LazyRequestInit) {
    this.#init = init;
  }

  get method(): string {
    return this.#init.method;
  }

  get url(): string {
    return this.#init.url;
  }

  get headers(): Headers {
    if (this.#real) return this.#real.headers;
    return (this.#headers ??= createLazyHeaders(this.#init.headers));
  }

  /** Aborted when the client goes away before its response is written (a streaming handler stops). */
  get signal(): AbortSignal {
    if (!this.#controller) {
      this.#controller = new AbortController();
      if (this.#aborted) this.#controller.abort(this.#abortReason);
    }
    return this.#controller.signal;
  }

  get bodyUsed(): boolean {
    return this.#used || (this.#real?.bodyUsed ?? false);
  }

  get body(): ReadableStream<Uint8Array> | null {
    return this.#materialize().body;
  }

  text(): Promise<string> {
    if (this.#real && !this.#used) return this.#real.text();
    return this.#take().then((b) => decoder.decode(b));
  }

  json(): Promise<unknown> {
    if (this.#real && !this.#used) return this.#real.json();
    return this.text().then((t) => JSON.parse(t) as unknown);
  }

  arrayBuffer(): Promise<ArrayBuffer> {
    if (this.#real && !this.#used) return this.#real.arrayBuffer();
    return this.#take().then((b) => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer);
  }

  bytes(): Promise<Uint8Array> {
    if (this.#real && !this.#used) return (this.#real as Request & { bytes(): Promise<Uint8Array> }).bytes();
    return this.#take().then((b) => new Uint8Array(b));
  }

  blob(): Promise<Blob> {
    if (this.#real && !this.#used) return this.#real.blob();
    const type = this.headers.get('content-type') ?? '';
    return this.#take().then((b) => new Blob([b], { type }));
  }

  clone(): Request {
    return this.#materialize().clone();
  }

  formData(): Promise<FormData> {
    return this.#materialize().formData();
  }

  /** The real Request (built once): for `new Request(lazy)` through FrontEndRequest. */
  [kMaterialize](): Request {
    return this.#materialize();
  }

  /** Called by the connection when the client leaves. */
  [kAbort](reason: unknown): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#abortReason = reason;
    this.#controller?.abort(reason);
  }

  #take(): Promise<Uint8Array> {
    if (this.#used) return Promise.reject(bodyUnusable());
    this.#used = true;
    return Promise.resolve(this.#init.body ?? new Uint8Array(0));
  }

  // Everything else on Request.prototype (cache, mode, credentials, …) goes to the real Request.
  static {
    for (const key of Object.getOwnPropertyNames(NativeRequest.prototype)) {
      if (key === 'constructor' || Object.prototype.hasOwnProperty.call(LazyRequest.prototype, key)) continue;
      const desc = Object.getOwnPropertyDescriptor(NativeRequest.prototype, key);
      if (typeof desc?.get === 'function') {
        Object.defineProperty(LazyRequest.prototype, key, {
          get(this: LazyRequest) {
            return Reflect.get(this.#materialize(), key) as unknown;
          },
          configurable: true,
        });
      } else if (typeof desc?.value === 'function') {
        Object.defineProperty(LazyRequest.prototype, key, {
          value(this: LazyRequest, ...args: unknown[]) {
            const real = this.#materialize();
            return (Reflect.get(real, key) as (...a: unknown[]) => unknown).apply(real, args);
          },
          configurable: true,
          writable: true,
        });
      }
    }
  }

  #materialize(): Request {
    if (this.#real) return this.#real;
    const { method, url, body } = this.#init;
    const real = new NativeRequest(url, {
      method,
      // The native Headers behind the light ones: changes a handler made to them are kept.
      headers: this.#headers ? realHeaders(this.#headers) : this.#init.headers,
      // Once read here, the body is gone; the read methods above keep refusing a second read.
      body: body && !this.#used ? body : null,
      signal: this.signal,
    });
    this.#real = real;
    return real;
  }
}

Object.setPrototypeOf(LazyRequest.prototype, NativeRequest.prototype);

/**
 * The global Request while the front end's globals are installed: `new Request(lazy, init)` (a
 * common way to copy a request with changes) cannot read a LazyRequest's internals, so it is given
 * the real one. Everything else is the native class.
 */
export class FrontEndRequest extends NativeRequest {
  constructor(input: ConstructorParameters<typeof Request>[0], init?: RequestInit) {
    super(input instanceof LazyRequest ? input[kMaterialize]() : input, init);
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    return value instanceof NativeRequest;
  }
}

/** Makes a Request from a parsed head without paying for what the handler does not read. */
export function createLazyRequest(init: LazyRequestInit): Request {
  return new LazyRequest(init) as unknown as Request;
}

/** Aborts the request's signal (the client left); a no-op for other Requests. */
export function abortRequest(req: Request, reason: unknown): void {
  const f = (req as unknown as { [kAbort]?: (r: unknown) => void })[kAbort];
  if (typeof f === 'function') f.call(req, reason);
}
