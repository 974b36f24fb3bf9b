// The header section of a message: fields in order, with the names as received, found by their
// canonical long name in any case or compact form. Typed forms are parsed on first use and cached
// until the header is changed.
import { SipParseError, malformed } from './errors.ts';
import { LIST_HEADERS, canonicalName, headerKey } from './header-names.ts';
import { isToken, trimWsp } from './grammar.ts';

export interface HeaderField {
  /** The name as received (or as given), e.g. "v" or "MaX-fOrWaRdS". */
  readonly name: string;
  /** The lower-case long name: "via", "max-forwards". */
  readonly key: string;
  /** The value after unfolding, without surrounding white space. */
  readonly value: string;
}

/** How one header's value turns into a typed form. */
export interface HeaderSpec<T> {
  /** Lower-case long name. */
  readonly key: string;
  /** Canonical name, used in error reasons ("Bad Request - Malformed CSeq"). */
  readonly name: string;
  /** Whether the header is a comma-separated list of values. */
  readonly list: boolean;
  /** Set for headers that may repeat on several lines without being lists (authentication). */
  readonly repeatable?: boolean;
  /** Parses one value (one list element for list headers); throws SipParseError. */
  readonly parse: (value: string) => T;
}

/**
 * §7.3.1: splits a list header's value at commas that separate values, not at those inside a
 * quoted-string or a <URI>. Elements are trimmed; empty ones are kept for the grammar to reject.
 */
export function splitList(value: string): string[] {
  if (value.indexOf(',') < 0) return [value];
  const out: string[] = [];
  let start = 0;
  let inQuote = false;
  let inAngle = false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (inQuote) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inQuote = false;
    } else if (c === 0x22) inQuote = true;
    else if (c === 0x3c) inAngle = true;
    else if (c === 0x3e) inAngle = false;
    else if (c === 0x2c && !inAngle) {
      out.push(trimWsp(value.slice(start, i)));
      start = i + 1;
    }
  }
  out.push(trimWsp(value.slice(start)));
  return out;
}

/** Names already checked, with their keys: code appends the same few names to every message. */
const checkedNames = new Map<string, string>();
const CHECKED_NAMES_MAX = 512;

/** The key of a header name given by code; throws TypeError when it is not a token. */
function keyOfName(name: string): string {
  const known = checkedNames.get(name);
  if (known !== undefined) return known;
  if (!isToken(name)) throw new TypeError(`invalid SIP header name: ${JSON.stringify(name)}`);
  const key = headerKey(name);
  // Bounded: names that come from the network (relayed headers) must not grow it without end.
  if (checkedNames.size < CHECKED_NAMES_MAX) checkedNames.set(name, key);
  return key;
}

function checkValue(name: string, value: string): string {
  // CR or LF in a value would start a header of the caller's choosing on the wire.
  if (value.indexOf('\r') >= 0 || value.indexOf('\n') >= 0) throw new TypeError(`SIP header ${name} must not contain CR or LF`);
  return trimWsp(value);
}

export class SipHeaders implements Iterable<HeaderField> {
  #fields: HeaderField[];
  /** Typed forms by header key: one() in #cache, all() in #allCache (no key strings built per read). */
  #cache: Map<string, unknown> | undefined;
  #allCache: Map<string, readonly unknown[]> | undefined;

  /** Builds a collection from name/value pairs, checking each like append() does. */
  constructor(init?: Iterable<readonly [string, string]>) {
    this.#fields = [];
    if (init) for (const [n, v] of init) this.append(n, v);
  }

  /** Wraps fields the parser already checked. */
  static fromFields(fields: HeaderField[]): SipHeaders {
    const h = new SipHeaders();
    h.#fields = fields;
    return h;
  }

  get size(): number {
    return this.#fields.length;
  }

  [Symbol.iterator](): Iterator<HeaderField> {
    return this.#fields[Symbol.iterator]();
  }

  /** Name/value pairs with canonical names: what goes on the wire. */
  entries(): [string, string][] {
    return this.#fields.map((f) => [canonicalName(f.key, f.name), f.value]);
  }

  /** The value of the first line of the header, unsplit. */
  get(name: string): string | undefined {
    const key = headerKey(name);
    for (const f of this.#fields) if (f.key === key) return f.value;
    return undefined;
  }

  /** The values of every line of the header, unsplit. */
  getAll(name: string): string[] {
    const key = headerKey(name);
    const out: string[] = [];
    for (const f of this.#fields) if (f.key === key) out.push(f.value);
    return out;
  }

  has(name: string): boolean {
    const key = headerKey(name);
    for (const f of this.#fields) if (f.key === key) return true;
    return false;
  }

  /** How many lines carry the header. */
  count(name: string): number {
    const key = headerKey(name);
    let n = 0;
    for (const f of this.#fields) if (f.key === key) n++;
    return n;
  }

  /** Every value of the header: list headers split at commas (empty elements dropped). */
  values(name: string): string[] {
    const key = headerKey(name);
    const lines = this.getAll(key);
    if (!LIST_HEADERS.has(key)) return lines;
    const out: string[] = [];
    for (const l of lines) for (const v of splitList(l)) if (v !== '') out.push(v);
    return out;
  }

  /** Adds a line at the end. */
  append(name: string, value: string): this {
    const key = keyOfName(name);
    const v = checkValue(name, value);
    this.#fields.push({ name, key, value: v });
    this.#invalidate(key);
    return this;
  }

  /**
   * Adds every line of header `key` (lower-case long name) from another collection, as they are:
   * their values were checked when they entered it. For responses built from their request.
   */
  copyFrom(other: SipHeaders, key: string): this {
    let copied = false;
    for (const f of other.#fields) {
      if (f.key !== key) continue;
      this.#fields.push(f);
      copied = true;
    }
    if (copied) this.#invalidate(key);
    return this;
  }

  /** Adds a line before every other line of the same header (a new top Via or Record-Route). */
  prepend(name: string, value: string): this {
    const key = keyOfName(name);
    const v = checkValue(name, value);
    const at = this.#fields.findIndex((f) => f.key === key);
    this.#fields.splice(at < 0 ? this.#fields.length : at, 0, { name, key, value: v });
    this.#invalidate(key);
    return this;
  }

  /** Replaces every line of the header with one, kept where the first one was. */
  set(name: string, value: string): this {
    const key = keyOfName(name);
    const v = checkValue(name, value);
    const at = this.#fields.findIndex((f) => f.key === key);
    if (at < 0) return this.append(name, v);
    this.#fields = this.#fields.filter((f, i) => i === at || f.key !== key);
    this.#fields[at] = { name, key, value: v };
    this.#invalidate(key);
    return this;
  }

  /** Removes every line of the header; true when there was one. */
  delete(name: string): boolean {
    const key = headerKey(name);
    const before = this.#fields.length;
    this.#fields = this.#fields.filter((f) => f.key !== key);
    this.#invalidate(key);
    return this.#fields.length !== before;
  }

  /** Removes the first value of a list header (the top Via of a response going upstream). */
  removeFirstValue(name: string): boolean {
    const key = headerKey(name);
    const at = this.#fields.findIndex((f) => f.key === key);
    if (at < 0) return false;
    const f = this.#fields[at]!;
    const parts = LIST_HEADERS.has(key) ? splitList(f.value) : [f.value];
    if (parts.length <= 1) this.#fields.splice(at, 1);
    else this.#fields[at] = { name: f.name, key, value: parts.slice(1).join(', ') };
    this.#invalidate(key);
    return true;
  }

  /**
   * Replaces the first value of list header `spec` with `value`, written in a line of its own where
   * the header's first line was, like removeFirstValue then prepend. `typed` is the typed form of
   * `value`, exactly what parsing it gives: the typed forms of the other values stay as parsed (a
   * received request's top Via, stamped with its source, is not parsed again).
   */
  replaceFirstValue<T>(spec: HeaderSpec<T>, value: string, typed: T): this {
    const before = this.#allCache?.get(spec.key);
    this.removeFirstValue(spec.name);
    this.prepend(spec.name, value);
    if (before !== undefined && before.length > 0) this.#allCache!.set(spec.key, [typed, ...before.slice(1)]);
    return this;
  }

  clone(): SipHeaders {
    return SipHeaders.fromFields(this.#fields.slice());
  }

  /**
   * The typed form of a header that appears once (or the first element of a list header).
   * Throws SipParseError when the value is malformed, or when a single-valued header repeats.
   */
  one<T>(spec: HeaderSpec<T>): T | undefined {
    if (spec.list) return this.all(spec)[0];
    const cache = (this.#cache ??= new Map());
    if (cache.has(spec.key)) return cache.get(spec.key) as T | undefined;
    let found: string | undefined;
    let n = 0;
    for (const f of this.#fields) {
      if (f.key !== spec.key) continue;
      if (++n > 1) {
        throw new SipParseError('SIP_DUPLICATE_HEADER', 400, `Bad Request - Multiple ${spec.name}`, spec.name);
      }
      found = f.value;
    }
    const parsed = found === undefined ? undefined : spec.parse(found);
    cache.set(spec.key, parsed);
    return parsed;
  }

  /** The typed forms of every value of a header, in order (list headers split at commas). */
  all<T>(spec: HeaderSpec<T>): readonly T[] {
    const cache = (this.#allCache ??= new Map());
    const cached = cache.get(spec.key);
    if (cached !== undefined) return cached as readonly T[];
    const out: T[] = [];
    for (const f of this.#fields) {
      if (f.key !== spec.key) continue;
      if (!spec.list) {
        out.push(spec.parse(f.value));
        continue;
      }
      for (const v of splitList(f.value)) {
        if (v === '') throw malformed(spec.name);
        out.push(spec.parse(v));
      }
    }
    cache.set(spec.key, out);
    return out;
  }

  /**
   * Forgets the typed forms parsed so far; they are parsed again when read. For messages kept only
   * to match retransmissions (a transaction waiting out its timers after the call).
   */
  dropTypedForms(): void {
    this.#cache = undefined;
    this.#allCache = undefined;
  }

  #invalidate(key: string): void {
    this.#cache?.delete(key);
    this.#allCache?.delete(key);
  }
}
