// The absolute URL a Request needs, from the request-target and Host (RFC 9112 §3.3). Most targets
// are plain paths and are used as they are; anything the URL parser would rewrite (dot segments,
// percent escapes, odd characters, unusual hosts) goes through it, so routing sees what a WHATWG
// Request would have shown.
import { HttpParseError } from './http-parse-error.ts';
import type { RequestHead } from './request-parser.ts';

const SIMPLE_HOST = /^[a-z0-9.-]+(?::[1-9][0-9]{0,4})?$/;
const SIMPLE_TARGET = /^\/[!$&-;=?-[\]_a-z~]*$/;
const DOT_SEGMENT = /\/\.\.?(?:[/?]|$)/;

function simpleHost(host: string): boolean {
  if (!SIMPLE_HOST.test(host)) return false;
  const colon = host.indexOf(':');
  if (colon === -1) return true;
  const port = Number(host.slice(colon + 1));
  // The URL parser drops the default port and refuses impossible ones: leave those to it.
  return port !== 80 && port <= 65535;
}

function parseUrl(s: string): string {
  let url: URL;
  try {
    url = new URL(s);
  } catch {
    throw new HttpParseError('HTTP_INVALID_TARGET', 'request target does not make a valid URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new HttpParseError('HTTP_INVALID_TARGET', 'not an http URL');
  return url.href;
}

/** Throws HttpParseError (400) when no valid URL can be made. `fallbackHost` serves HTTP/1.0 without Host. */
export function buildRequestUrl(head: RequestHead, fallbackHost: () => string): string {
  const target = head.target;
  // A backslash before the query would become "/" in the URL parser: a path the client did not send.
  const bs = target.indexOf('\\');
  if (bs !== -1) {
    const q = target.indexOf('?');
    if (q === -1 || bs < q) throw new HttpParseError('HTTP_INVALID_TARGET', 'backslash in request path');
  }
  // RFC 9112 §3.2.2: with an absolute-form target the Host field is ignored.
  if (head.targetForm === 'absolute') return parseUrl(target);
  const host = head.host || fallbackHost();
  // OPTIONS * asks about the server, not a resource; the handler sees it as the path "/*".
  const path = head.targetForm === 'asterisk' ? '/*' : target;
  if (simpleHost(host) && SIMPLE_TARGET.test(path) && !DOT_SEGMENT.test(path)) return `http://${host}${path}`;
  return parseUrl(`http://${host}${path}`);
}
