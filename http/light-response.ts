// A Response that skips undici's costs when all it does is carry a string or bytes to the socket.
// Profiling the benchmark showed the native constructor (a ReadableStream made transferable for
// every body) at ~22% of the front end's CPU. This class keeps the body and init as given, answers
// status/statusText/ok/headers itself, and builds the real Response the first time anything else
// (body, text(), clone(), …) is asked for. @hono/node-server installs the same idea globally by
// default; here http/globals.ts installs it, unless createHttpFrontEnd gets overrideGlobalObjects: false.
//
// Anything outside the fast path (a stream, a Blob, FormData, odd init) builds the real Response
// in the constructor, so errors are thrown exactly where the native constructor throws them.
import { ByteParts } from '../lib/byte-parts.ts';
import { isToken } from './chars.ts';

export const NativeResponse: typeof Response = globalThis.Response;

const kFast = Symbol('lightResponse.fast');

/** What the response writer needs, when the response is still light. */
export interface LightParts {
  status: number;
  statusText: string;
  /** Either the handler's plain record (validated) or the Headers object once someone asked for it. */
  headers: Record<string, string> | Headers | undefined;
  body: string | Uint8Array | ByteParts | null;
  /** The string-body default Content-Type must still be added when `headers` is a record. */
  defaultContentType: boolean;
}

const NULL_BODY_STATUS = new Set([101, 103, 204, 205, 304]);
const TEXT_PLAIN = 'text/plain;charset=UTF-8';

/** A header value Headers would keep as it is: no CR, LF or NUL, no surrounding whitespace, bytes only. */
function cleanValue(v: string): boolean {
  if (v.length === 0) return true;
  const first = v.charCodeAt(0);
  const last = v.charCodeAt(v.length - 1);
  if (first === 0x20 || first === 0x09 || last === 0x20 || last === 0x09) return false;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c === 0 || c === 0x0a || c === 0x0d || c > 0xff) return false;
  }
  return true;
}

/** A plain `{name: value}` record of clean strings; undefined when it is anything else. */
function plainRecord(h: unknown): Record<string, string> | undefined {
  if (h === null || typeof h !== 'object' || Object.getPrototypeOf(h) !== Object.prototype) return undefined;
  const rec = h as Record<string, unknown>;
  for (const k in rec) {
    const v = rec[k];
    if (typeof v !== 'string' || !isToken(k) || !cleanValue(v)) return undefined;
  }
  return rec as Record<string, string>;
}

function hasContentType(rec: Record<string, string>): boolean {
  for (const k in rec) if (k.length === 12 && k.toLowerCase() === 'content-type') return true;
  return false;
}

export class LightResponse {
  #status = 200;
  #statusText = '';
  #record: Record<string, string> | undefined;
  #headers: Headers | undefined;
  #body: string | Uint8Array | ByteParts | null = null;
  #real: Response | undefined;

  /** This Response takes a ByteParts body (lib/byte-parts.ts) and keeps it unjoined for the writer. */
  static readonly takesByteParts = true;

  static [Symbol.hasInstance](value: unknown): boolean {
    // `x instanceof Response` must keep holding for native responses once this class is installed.
    return value instanceof NativeResponse;
  }

  constructor(body?: unknown, init?: ResponseInit) {
    const fastBody = body === undefined || body === null || typeof body === 'string' || body instanceof Uint8Array || body instanceof ByteParts;
    const status = init?.status ?? 200;
    const statusText = init?.statusText ?? '';
    const rawHeaders = init?.headers;
    const record = rawHeaders === undefined ? {} : plainRecord(rawHeaders);
    const fast =
      fastBody &&
      Number.isInteger(status) &&
      status >= 200 &&
      status <= 599 &&
      !(body != null && NULL_BODY_STATUS.has(status)) &&
      statusText === '' &&
      (record !== undefined || rawHeaders instanceof Headers);
    if (!fast) {
      const native = body instanceof ByteParts ? body.join() : body;
      this.#real = new NativeResponse(native as ConstructorParameters<typeof Response>[0], init);
      return;
    }
    this.#status = status;
    this.#body = (body ?? null) as string | Uint8Array | ByteParts | null;
    if (record) this.#record = record;
    else {
      // A Headers object passed in is copied, as the native constructor does.
      this.#headers = new Headers(rawHeaders as Headers);
      if (typeof body === 'string' && !this.#headers.has('content-type')) this.#headers.set('content-type', TEXT_PLAIN);
    }
  }

  get status(): number {
    return this.#real ? this.#real.status : this.#status;
  }

  get statusText(): string {
    return this.#real ? this.#real.statusText : this.#statusText;
  }

  get ok(): boolean {
    const s = this.status;
    return s >= 200 && s <= 299;
  }

  get headers(): Headers {
    if (this.#real) return this.#real.headers;
    if (!this.#headers) {
      const h = new Headers(this.#record);
      if (typeof this.#body === 'string' && !h.has('content-type')) h.set('content-type', TEXT_PLAIN);
      this.#headers = h;
      this.#record = undefined;
    }
    return this.#headers;
  }

  /** The light parts for the writer, or undefined once the real Response exists. */
  [kFast](): LightParts | undefined {
    if (this.#real) return undefined;
    const record = this.#record;
    return {
      status: this.#status,
      statusText: this.#statusText,
      headers: record ?? this.#headers,
      body: this.#body,
      defaultContentType: record !== undefined && typeof this.#body === 'string' && !hasContentType(record),
    };
  }

  #materialize(): Response {
    if (!this.#real) {
      const body = this.#body instanceof ByteParts ? this.#body.join() : this.#body;
      this.#real = new NativeResponse(body, { status: this.#status, statusText: this.#statusText, headers: this.headers });
      this.#headers = undefined;
      this.#record = undefined;
    }
    return this.#real;
  }

  // Everything else (body, bodyUsed, text(), clone(), …) is the real Response's.
  static {
    for (const key of Object.getOwnPropertyNames(NativeResponse.prototype)) {
      if (key === 'constructor' || Object.prototype.hasOwnProperty.call(LightResponse.prototype, key)) continue;
      const desc = Object.getOwnPropertyDescriptor(NativeResponse.prototype, key);
      if (typeof desc?.get === 'function') {
        Object.defineProperty(LightResponse.prototype, key, {
          get(this: LightResponse) {
            return Reflect.get(this.#materialize(), key) as unknown;
          },
          configurable: true,
        });
      } else if (typeof desc?.value === 'function') {
        Object.defineProperty(LightResponse.prototype, key, {
          value(this: LightResponse, ...args: unknown[]) {
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

Object.setPrototypeOf(LightResponse.prototype, NativeResponse.prototype);
// Response.json(), Response.error(), Response.redirect() stay the native ones.
Object.setPrototypeOf(LightResponse, NativeResponse);

/** The writer's fast path: the parts of a still-light response, else undefined. */
export function lightParts(res: Response): LightParts | undefined {
  const f = (res as unknown as { [kFast]?: () => LightParts | undefined })[kFast];
  return typeof f === 'function' ? f.call(res) : undefined;
}
