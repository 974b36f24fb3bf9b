// The two globals the front end replaces, as @hono/node-server does by default: Response becomes
// LightResponse (no undici body stream for string and byte bodies) and Request becomes
// FrontEndRequest (so `new Request(lazyRequest)` works). Both keep `instanceof` true for native
// objects and fall back to the native classes for everything they do not speed up.
import { FrontEndRequest, NativeRequest } from './lazy-request.ts';
import { LightResponse, NativeResponse } from './light-response.ts';

function setGlobal(name: 'Request' | 'Response', value: unknown): void {
  Object.defineProperty(globalThis, name, { value, writable: true, configurable: true, enumerable: false });
}

/** Idempotent. */
export function installFrontEndGlobals(): void {
  if (globalThis.Request !== (FrontEndRequest as unknown)) setGlobal('Request', FrontEndRequest);
  if (globalThis.Response !== (LightResponse as unknown)) setGlobal('Response', LightResponse);
}

/** Puts the native classes back (tests). */
export function uninstallFrontEndGlobals(): void {
  setGlobal('Request', NativeRequest);
  setGlobal('Response', NativeResponse);
}
