// Request parameters: the JSON body (from env.rawBody when the front end passed it, which it does for
// every request, GET included), and the query string for GET and LOOKUP, where the body wins.
import type { Context } from 'hono';
import { ApiError } from './errors.ts';
import type { AppEnv } from './types.ts';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * JSON.parse that refuses `__proto__` keys: copying such a key into a fresh object would set its
 * prototype instead, so a filter key would vanish silently rather than be reported.
 */
export function parseJson(text: string): unknown {
  // The reviver makes JSON.parse several times slower (2 µs of a 25 µs LOOKUP). A key can only read
  // `__proto__` when the text spells it out or escapes one of its characters with \u.
  if (!text.includes('__proto__') && !text.includes('\\u')) return JSON.parse(text) as unknown;
  let proto = false;
  const value: unknown = JSON.parse(text, (key, v: unknown) => {
    if (key === '__proto__') proto = true;
    return v;
  });
  if (proto) throw new ApiError(1400, '__proto__: is not allowed as a key');
  return value;
}

/** Parses body bytes: empty is `{}`; anything but a JSON object is 1415. */
export function parseJsonObject(bytes: Uint8Array): Record<string, unknown> {
  // Most reads (GET) come without a body.
  if (bytes.length === 0) return {};
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw new ApiError(1415, 'body is not JSON: invalid UTF-8');
  }
  if (text.trim() === '') return {};
  let value: unknown;
  try {
    value = parseJson(text);
  } catch (err) {
    if (err instanceof ApiError) throw err;
    throw new ApiError(1415, 'body is not JSON');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new ApiError(1415, 'body is not a JSON object');
  return value as Record<string, unknown>;
}

export async function rawBody(c: Context<AppEnv>): Promise<Uint8Array> {
  const fromEnv = c.env?.rawBody;
  if (fromEnv) return fromEnv;
  if (c.req.method === 'GET' || c.req.method === 'HEAD') return new Uint8Array();
  return new Uint8Array(await c.req.arrayBuffer());
}

export async function readBody(c: Context<AppEnv>): Promise<Record<string, unknown>> {
  return parseJsonObject(await rawBody(c));
}

/** Query string and body together; a parameter given in both takes the body's value. */
export async function readParams(c: Context<AppEnv>): Promise<Record<string, unknown>> {
  const body = await readBody(c);
  return { ...c.req.query(), ...body };
}

/**
 * `fn(readParams(c))`, in the same turn when the front end passed the body (it always does): the
 * read routes then answer without the three promises of readParams, readBody and rawBody.
 * Elsewhere (tests through app.request) the body is read first.
 */
export function withParams<T>(c: Context<AppEnv>, fn: (params: Record<string, unknown>) => T): T | Promise<T> {
  const fromEnv = c.env?.rawBody;
  if (!fromEnv) return readParams(c).then(fn);
  return fn({ ...c.req.query(), ...parseJsonObject(fromEnv) });
}
