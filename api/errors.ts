// The error model of the spec: every failure is an ApiError, turned into one JSON shape by the app's
// onError. Handlers throw; they never build error responses themselves.
import type { Context } from 'hono';
import { ByteParts } from '../lib/byte-parts.ts';

/** The spec's codes, plus 1404 (unknown path), which is ours. */
export const errorStatus = {
  1400: 400,
  1401: 401,
  1403: 403,
  1404: 404,
  1405: 405,
  1409: 409,
  1413: 404,
  1415: 415,
  1429: 429,
  1500: 500,
  1503: 503,
} as const;

export type ErrorCode = keyof typeof errorStatus;

export class ApiError extends Error {
  readonly code: ErrorCode;
  readonly status: (typeof errorStatus)[ErrorCode];
  /** Extra response headers (Allow, WWW-Authenticate). */
  readonly headers: Record<string, string>;

  constructor(code: ErrorCode, message: string, headers: Record<string, string> = {}) {
    // An ApiError is an expected answer, not a bug: capturing its stack cost a sixth of a 404's CPU.
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message);
    Error.stackTraceLimit = limit;
    this.name = 'ApiError';
    this.code = code;
    this.status = errorStatus[code];
    this.headers = headers;
  }
}

/** 1413 says the same for "absent" and "not yours": existence is never revealed. */
export const dialogNotFound = (): ApiError => new ApiError(1413, 'Dialog not found');

export const JSON_TYPE = 'application/json; charset=utf-8';

/** Every JSON answer goes through here, so the content type is exactly the spec's. */
export function jsonResponse(c: Context, body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return c.body(JSON.stringify(body), status as 200, { ...headers, 'content-type': JSON_TYPE });
}

/** The global Response is the front end's, which takes a ByteParts body as it is (http/light-response.ts). */
const takesByteParts = (): boolean => (globalThis.Response as { takesByteParts?: boolean }).takesByteParts === true;

/**
 * An answer already serialised: text, UTF-8 bytes (a dialog's kept bytes) or ByteParts (a list of
 * them), joined only where the Response in use cannot take them (tests, a native Response).
 */
export function jsonTextResponse(c: Context, text: string | Uint8Array | ByteParts, status = 200): Response {
  const body = text instanceof ByteParts && !takesByteParts() ? text.join() : text;
  // Hono types byte bodies as Uint8Array<ArrayBuffer>; a Buffer's is ArrayBufferLike, never shared
  // here, and a ByteParts body goes to the front end's Response, which takes it.
  return c.body(body as string | Uint8Array<ArrayBuffer>, status as 200, { 'content-type': JSON_TYPE });
}

export function errorResponse(c: Context, err: ApiError): Response {
  return jsonResponse(c, { error_code: err.code, error_message: err.message }, err.status, err.headers);
}
