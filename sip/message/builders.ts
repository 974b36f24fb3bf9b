// Building requests and responses, and the random identifiers they carry: branch (§8.1.1.7), tag
// (§19.3) and Call-ID (§8.1.1.4), from the system's cryptographic random source.
import { randomFillSync } from 'node:crypto';
import { MAX_CSEQ } from './cseq.ts';
import { H } from './header-forms.ts';
import { SipHeaders } from './headers.ts';
import { isToken } from './grammar.ts';
import { SipRequest, SipResponse } from './message.ts';
import { formatNameAddr, type NameAddr } from './name-addr.ts';
import { parseUri, type Uri } from './uri.ts';
import { MAGIC_COOKIE, formatVia } from './via.ts';

// One refill of the pool serves hundreds of identifiers: a call for each is the slow part.
const pool = Buffer.allocUnsafe(4096);
let poolOffset = pool.length;
function randomBytes(n: number): Buffer {
  if (poolOffset + n > pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const b = pool.subarray(poolOffset, poolOffset + n);
  poolOffset += n;
  return b;
}

/** A branch unique in space and time, with the RFC 3261 magic cookie (§8.1.1.7). 96 random bits. */
export function generateBranch(): string {
  return MAGIC_COOKIE + randomBytes(12).toString('base64url');
}

/** A From/To tag (§19.3 asks for at least 32 random bits; this has 64). */
export function generateTag(): string {
  return randomBytes(8).toString('hex');
}

/** A Call-ID (§8.1.1.4): 128 random bits, optionally `@host`. */
export function generateCallId(host?: string): string {
  const id = randomBytes(16).toString('base64url');
  return host ? `${id}@${host}` : id;
}

/** Reason phrases of RFC 3261 §21 and the extensions a PBX meets. */
export const REASON_PHRASES: Readonly<Record<number, string>> = Object.freeze({
  100: 'Trying', 180: 'Ringing', 181: 'Call Is Being Forwarded', 182: 'Queued', 183: 'Session Progress',
  199: 'Early Dialog Terminated', 200: 'OK', 202: 'Accepted', 204: 'No Notification',
  300: 'Multiple Choices', 301: 'Moved Permanently', 302: 'Moved Temporarily', 305: 'Use Proxy',
  380: 'Alternative Service', 400: 'Bad Request', 401: 'Unauthorized', 402: 'Payment Required',
  403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed', 406: 'Not Acceptable',
  407: 'Proxy Authentication Required', 408: 'Request Timeout', 410: 'Gone', 412: 'Conditional Request Failed',
  413: 'Request Entity Too Large', 414: 'Request-URI Too Long', 415: 'Unsupported Media Type',
  416: 'Unsupported URI Scheme', 417: 'Unknown Resource-Priority', 420: 'Bad Extension',
  421: 'Extension Required', 422: 'Session Interval Too Small', 423: 'Interval Too Brief',
  428: 'Use Identity Header', 429: 'Provide Referrer Identity', 430: 'Flow Failed', 433: 'Anonymity Disallowed',
  436: 'Bad Identity-Info', 437: 'Unsupported Certificate', 438: 'Invalid Identity Header',
  439: 'First Hop Lacks Outbound Support', 440: 'Max-Breadth Exceeded', 469: 'Bad Info Package',
  470: 'Consent Needed', 480: 'Temporarily Unavailable', 481: 'Call/Transaction Does Not Exist',
  482: 'Loop Detected', 483: 'Too Many Hops', 484: 'Address Incomplete', 485: 'Ambiguous', 486: 'Busy Here',
  487: 'Request Terminated', 488: 'Not Acceptable Here', 489: 'Bad Event', 491: 'Request Pending',
  493: 'Undecipherable', 494: 'Security Agreement Required', 500: 'Server Internal Error',
  501: 'Not Implemented', 502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Server Time-out',
  505: 'Version Not Supported', 513: 'Message Too Large', 555: 'Push Notification Service Not Supported',
  580: 'Precondition Failure', 600: 'Busy Everywhere', 603: 'Decline', 604: 'Does Not Exist Anywhere',
  606: 'Not Acceptable', 607: 'Unwanted', 608: 'Rejected',
});

/** The reason phrase of a status code, or that of its class (§21: x00 describes the class). */
export function reasonPhrase(status: number): string {
  return REASON_PHRASES[status] ?? REASON_PHRASES[Math.floor(status / 100) * 100] ?? 'Unknown';
}

function toBody(body: Buffer | string | undefined): Buffer | undefined {
  return typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
}

export interface ResponseOptions {
  /** Added to To when the request's To has no tag (§8.2.6.2); ignored when it has one. */
  toTag?: string;
  /** §12.1.1: a response that creates a dialog copies the request's Record-Route. */
  copyRecordRoute?: boolean;
  /** More header lines, appended in order. */
  headers?: Iterable<readonly [string, string]>;
  body?: Buffer | string;
  /** Required with a non-empty body (§20.15). */
  contentType?: string;
}

/**
 * A response to a request (§8.2.6): every Via in order, From, To (tagged when asked), Call-ID and
 * CSeq copied as received; Timestamp too for a 100 (§8.2.6.1). The request may be the partial one
 * of a SipParseError: values are copied as text, so a malformed one still goes back unchanged.
 */
export function createResponse(
  req: { readonly headers: SipHeaders },
  status: number,
  reason: string = reasonPhrase(status),
  options: ResponseOptions = {},
): SipResponse {
  if (!Number.isInteger(status) || status < 100 || status > 699) throw new RangeError(`invalid SIP status ${status}`);
  const src = req.headers;
  const h = new SipHeaders();
  // §8.2.6.2: Via, From, Call-ID and CSeq are copied from the request (lines taken as they are).
  h.copyFrom(src, 'via');
  if (options.copyRecordRoute) h.copyFrom(src, 'record-route');
  h.copyFrom(src, 'from');
  const to = src.get('to');
  if (to !== undefined) {
    let value = to;
    if (options.toTag !== undefined) {
      if (!isToken(options.toTag)) throw new TypeError(`invalid tag: ${JSON.stringify(options.toTag)}`);
      let hasTag = true;
      try {
        hasTag = src.one(H.to)?.tag !== undefined;
      } catch {
        // A To we cannot read goes back as it came.
      }
      // The tag is a header parameter, so it goes after everything else in the value.
      if (!hasTag) value = `${to};tag=${options.toTag}`;
    }
    h.append('To', value);
  }
  h.copyFrom(src, 'call-id');
  h.copyFrom(src, 'cseq');
  if (status === 100) {
    const ts = src.get('timestamp');
    if (ts !== undefined) h.append('Timestamp', ts);
  }
  for (const [n, v] of options.headers ?? []) h.append(n, v);
  if (options.contentType !== undefined) h.append('Content-Type', options.contentType);
  return new SipResponse(status, reason, h, toBody(options.body));
}

type AddressInit = string | Pick<NameAddr, 'uri'> & Partial<Pick<NameAddr, 'displayName' | 'params'>>;

export interface RequestInit {
  method: string;
  uri: Uri | string;
  from: AddressInit;
  to: AddressInit;
  /** Generated when absent. */
  callId?: string;
  cseq: number;
  /** §8.1.1.6: 70 unless told otherwise. */
  maxForwards?: number;
  /** The top Via; a branch is generated when the params have none. Usually the transport adds it. */
  via?: { transport: string; host: string; port?: number; params?: Iterable<readonly [string, string | null]> };
  contact?: AddressInit;
  headers?: Iterable<readonly [string, string]>;
  body?: Buffer | string;
  contentType?: string;
}

function address(a: AddressInit): string {
  return typeof a === 'string' ? a : formatNameAddr(a);
}

/** A new request (§8.1.1) with its mandatory headers in the customary order. */
export function createRequest(init: RequestInit): SipRequest {
  if (!isToken(init.method)) throw new TypeError(`invalid SIP method: ${JSON.stringify(init.method)}`);
  if (!Number.isInteger(init.cseq) || init.cseq < 0 || init.cseq > MAX_CSEQ) throw new RangeError(`invalid CSeq ${init.cseq}`);
  const uri = typeof init.uri === 'string' ? parseUri(init.uri, 'Request-URI') : init.uri;
  const h = new SipHeaders();
  if (init.via) {
    const params = new Map<string, string | null>(init.via.params ?? []);
    if (!params.has('branch')) params.set('branch', generateBranch());
    h.append('Via', formatVia({ transport: init.via.transport, host: init.via.host, port: init.via.port, params }));
  }
  h.append('Max-Forwards', String(init.maxForwards ?? 70));
  h.append('To', address(init.to));
  h.append('From', address(init.from));
  h.append('Call-ID', init.callId ?? generateCallId());
  h.append('CSeq', `${init.cseq} ${init.method}`);
  if (init.contact !== undefined) h.append('Contact', address(init.contact));
  for (const [n, v] of init.headers ?? []) h.append(n, v);
  if (init.contentType !== undefined) h.append('Content-Type', init.contentType);
  return new SipRequest(init.method, uri, h, toBody(init.body));
}
