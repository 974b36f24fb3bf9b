// An incremental, strict HTTP/1.1 request parser (RFC 9112) with no I/O: bytes go in with feed(),
// events come out of read() one at a time, so the connection can stop pulling requests when its
// pipeline is full and leave the rest in the buffer. Every limit is checked as bytes arrive: a line
// that is already too long fails before its end is seen.
import { FIELD_VALUE, HEX, TARGET, TCHAR } from './chars.ts';
import { HttpParseError, type HttpParseErrorCode } from './http-parse-error.ts';
import type { HttpLimits } from './limits.ts';

export type TargetForm = 'origin' | 'absolute' | 'asterisk' | 'authority';

export interface RequestHead {
  /** The method token as received: methods are case-sensitive (RFC 9110 §9.1). */
  method: string;
  target: string;
  targetForm: TargetForm;
  /** 1 for HTTP/1.1, 0 for HTTP/1.0. */
  minor: 0 | 1;
  /** Field lines in arrival order: names lower-cased, values without surrounding whitespace. */
  headers: [string, string][];
  /** The Host field value; undefined only in HTTP/1.0 requests without one. */
  host: string | undefined;
  /** Body length when framed by Content-Length; 0 when there is none or it is chunked. */
  contentLength: number;
  chunked: boolean;
  /** Whether the connection may carry another request after this one. */
  keepAlive: boolean;
  expectContinue: boolean;
  /** `Upgrade` present and `Connection` lists `upgrade`. */
  upgrade: boolean;
}

export type ParseEvent =
  | { type: 'head'; head: RequestHead }
  /** A slice of the body; it stays valid after later feeds (the parser never writes over it). */
  | { type: 'body'; data: Buffer }
  | { type: 'end' }
  | { type: 'error'; error: HttpParseError };

export type ParserLimits = Pick<HttpLimits, 'maxRequestLineBytes' | 'maxHeaderBytes' | 'maxHeaderCount' | 'maxBodyBytes'>;

export type ParserPhase = 'idle' | 'head' | 'body';

const S_REQUEST_LINE = 0;
const S_HEADERS = 1;
const S_BODY = 2;
const S_CHUNK_SIZE = 3;
const S_CHUNK_DATA = 4;
const S_CHUNK_CRLF = 5;
const S_TRAILERS = 6;

const CR = 0x0d;
const LF = 0x0a;
const SP = 0x20;
const HTAB = 0x09;

/** RFC 9112 §2.2 asks to ignore "at least one" empty line before a request line; a few are enough. */
const MAX_EMPTY_LINES = 4;
/** One chunk-size line, extensions included. */
const MAX_CHUNK_LINE_BYTES = 4096;
/** 16 hex digits already exceed any body limit; more is an overflow attempt. */
const MAX_CHUNK_SIZE_DIGITS = 16;

const EMPTY = Buffer.alloc(0);
const END_EVENT: ParseEvent = Object.freeze({ type: 'end' });
const HOST_RE = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._~!$&'()*+,;=%-]*)(?::[0-9]*)?$/;
const ABSOLUTE_RE = /^https?:\/\//i;

function fail(code: HttpParseErrorCode, message: string): never {
  throw new HttpParseError(code, message);
}

const isWs = (c: number | undefined) => c === SP || c === HTAB;

export class RequestParser {
  readonly #limits: ParserLimits;

  // The unconsumed bytes are #buf[#start, #end). No LF lies in [#start, #scan).
  #buf: Buffer = EMPTY;
  #start = 0;
  #end = 0;
  #scan = 0;
  /** #buf was allocated here (so bytes past #end may be appended into it). */
  #owned = false;
  /** Bytes at the start of a partial request line already known to be tchar. */
  #methodChecked = 0;

  #state = S_REQUEST_LINE;
  #error: HttpParseError | undefined;
  #errorReported = false;
  #pendingEnd = false;

  // Per message.
  #emptyLines = 0;
  #headerBytes = 0;
  #headerCount = 0;
  #method = '';
  #target = '';
  #targetForm: TargetForm = 'origin';
  #minor: 0 | 1 = 1;
  #headers: [string, string][] = [];
  #hostCount = 0;
  #host: string | undefined;
  #clCount = 0;
  #cl = '';
  #te: string | undefined;
  #expect: string | undefined;
  #connClose = false;
  #connKeepAlive = false;
  #connUpgrade = false;
  #hasUpgrade = false;
  #remaining = 0;
  #bodyBytes = 0;
  #chunkLineBytes = 0;

  constructor(limits: ParserLimits) {
    this.#limits = limits;
  }

  /** Bytes received and not yet turned into events. */
  get buffered(): number {
    return this.#end - this.#start;
  }

  /** Where the parser stands: between requests, inside a head, inside a body. */
  get phase(): ParserPhase {
    if (this.#state === S_REQUEST_LINE) {
      return this.#end > this.#start || this.#emptyLines > 0 ? 'head' : 'idle';
    }
    return this.#state === S_HEADERS ? 'head' : 'body';
  }

  get failed(): boolean {
    return this.#error !== undefined;
  }

  feed(chunk: Buffer): void {
    if (this.#error || chunk.length === 0) return;
    const pending = this.#end - this.#start;
    if (pending === 0) {
      // The common case: nothing left over, parse the socket's buffer in place.
      this.#buf = chunk;
      this.#start = this.#scan = 0;
      this.#end = chunk.length;
      this.#owned = false;
      return;
    }
    if (this.#owned && this.#buf.length - this.#end >= chunk.length) {
      chunk.copy(this.#buf, this.#end);
      this.#end += chunk.length;
      return;
    }
    // Grow geometrically so a head dribbled in byte by byte costs linear copying, not quadratic.
    // The old buffer is left untouched: body slices handed out earlier keep pointing into it.
    const next = Buffer.alloc(Math.max(4096, (pending + chunk.length) * 2));
    this.#buf.copy(next, 0, this.#start, this.#end);
    chunk.copy(next, pending);
    this.#scan -= this.#start;
    this.#start = 0;
    this.#end = pending + chunk.length;
    this.#buf = next;
    this.#owned = true;
  }

  /** The next event, or undefined when more bytes are needed (or after the error was reported). */
  read(): ParseEvent | undefined {
    if (this.#error) {
      if (this.#errorReported) return undefined;
      this.#errorReported = true;
      return { type: 'error', error: this.#error };
    }
    if (this.#pendingEnd) {
      this.#pendingEnd = false;
      this.#resetMessage();
      return END_EVENT;
    }
    try {
      switch (this.#state) {
        case S_REQUEST_LINE:
        case S_HEADERS:
          return this.#readHead();
        case S_BODY:
          return this.#readBody();
        default:
          return this.#readChunked();
      }
    } catch (err) {
      if (!(err instanceof HttpParseError)) throw err;
      this.#error = err;
      this.#errorReported = true;
      this.#buf = EMPTY;
      this.#start = this.#end = this.#scan = 0;
      return { type: 'error', error: err };
    }
  }

  /** feed() then every event that follows: for tests and simple callers. */
  push(chunk: Buffer): ParseEvent[] {
    this.feed(chunk);
    const out: ParseEvent[] = [];
    for (let ev = this.read(); ev; ev = this.read()) out.push(ev);
    return out;
  }

  /** The peer closed its side: a request cut short is an error, a clean boundary is not. */
  end(): ParseEvent | undefined {
    if (this.#error) return this.read();
    if (this.#pendingEnd || (this.#state === S_REQUEST_LINE && this.#end === this.#start)) return undefined;
    this.#error = new HttpParseError('HTTP_INCOMPLETE_MESSAGE', 'connection closed in the middle of a request');
    return this.read();
  }

  /** Hands over the unparsed bytes (after an upgrade: they belong to the new protocol). */
  takeRemaining(): Buffer {
    const rest = this.#buf.subarray(this.#start, this.#end);
    this.#buf = EMPTY;
    this.#start = this.#end = this.#scan = 0;
    return rest;
  }

  #resetMessage(): void {
    this.#emptyLines = 0;
    this.#headerBytes = 0;
    this.#headerCount = 0;
    this.#headers = [];
    this.#hostCount = 0;
    this.#host = undefined;
    this.#clCount = 0;
    this.#te = undefined;
    this.#expect = undefined;
    this.#connClose = this.#connKeepAlive = this.#connUpgrade = this.#hasUpgrade = false;
    this.#bodyBytes = 0;
    this.#chunkLineBytes = 0;
    this.#methodChecked = 0;
    if (this.#start === this.#end) {
      // Drop the reference so a large socket buffer can be collected between requests.
      this.#buf = EMPTY;
      this.#start = this.#end = this.#scan = 0;
    }
  }

  /** Index of the next LF in the buffer, or -1 (and the scan resumes past what was searched). */
  #nextLf(): number {
    const end = this.#end;
    if (this.#scan >= end) return -1;
    const lf = this.#buf.indexOf(LF, this.#scan);
    if (lf === -1 || lf >= end) {
      this.#scan = end;
      return -1;
    }
    return lf;
  }

  /** Consumes the line ending at `lf`; returns its start. RFC 9112 §2.2: CRLF only, no bare LF. */
  #takeLine(lf: number): number {
    const start = this.#start;
    this.#start = this.#scan = lf + 1;
    if (lf === start || this.#buf[lf - 1] !== CR) fail('HTTP_BARE_LF', 'line ends with a bare LF');
    return start;
  }

  #readHead(): ParseEvent | undefined {
    const buf = this.#buf;
    const limits = this.#limits;
    for (;;) {
      const lf = this.#nextLf();
      if (lf === -1) {
        this.#checkPartialHeadLine();
        return undefined;
      }
      // The same check as on a partial line, first, so where the bytes were cut does not change the verdict.
      if (this.#state === S_REQUEST_LINE) this.#checkPartialMethod(lf);
      const start = this.#takeLine(lf);
      const end = lf - 1;
      if (this.#state === S_REQUEST_LINE) {
        this.#methodChecked = 0;
        if (end === start) {
          if (++this.#emptyLines > MAX_EMPTY_LINES) fail('HTTP_TOO_MANY_EMPTY_LINES', 'too many empty lines before the request line');
          continue;
        }
        if (end - start > limits.maxRequestLineBytes) fail('HTTP_REQUEST_LINE_TOO_LONG', 'request line too long');
        this.#parseRequestLine(buf, start, end);
        this.#state = S_HEADERS;
        continue;
      }
      if (end === start) return this.#finishHead();
      this.#headerBytes += lf + 1 - start;
      if (this.#headerBytes > limits.maxHeaderBytes) fail('HTTP_HEADER_OVERFLOW', 'header section too large');
      if (++this.#headerCount > limits.maxHeaderCount) fail('HTTP_TOO_MANY_HEADERS', 'too many header fields');
      this.#parseFieldLine(buf, start, end, true);
    }
  }

  /** Limits apply to the line still arriving, so an endless line fails as soon as it is too long. */
  #checkPartialHeadLine(): void {
    const len = this.#end - this.#start;
    if (this.#state === S_REQUEST_LINE) {
      // The partial line may end with its CR: allow one byte over the limit until the LF shows.
      if (len > this.#limits.maxRequestLineBytes + 1) fail('HTTP_REQUEST_LINE_TOO_LONG', 'request line too long');
      this.#checkPartialMethod(this.#end);
    } else if (this.#headerBytes + len > this.#limits.maxHeaderBytes) {
      fail('HTTP_HEADER_OVERFLOW', 'header section too large');
    }
  }

  /** Refuses a request line that cannot become valid (a TLS hello, binary noise) without waiting for its LF. */
  #checkPartialMethod(end: number): void {
    if (this.#methodChecked < 0) return;
    const buf = this.#buf;
    const start = this.#start;
    let i = start + this.#methodChecked;
    if (i === start && buf[i] === CR) return; // maybe an empty line: decided when its LF comes
    while (i < end && TCHAR[buf[i]!] === 1) i++;
    if (i < end) {
      // A CR that is the last byte so far may be the line's own CRLF: wait for the next byte.
      if (buf[i] === CR && i === end - 1) return;
      if (buf[i] === SP && i > start) {
        this.#methodChecked = -1;
        return;
      }
      fail(buf[i] === CR ? 'HTTP_BARE_CR' : 'HTTP_INVALID_METHOD', 'invalid method token');
    }
    this.#methodChecked = i - start;
  }

  // RFC 9112 §3: request-line = method SP request-target SP HTTP-version, single spaces.
  #parseRequestLine(buf: Buffer, start: number, end: number): void {
    let i = start;
    while (i < end && TCHAR[buf[i]!] === 1) i++;
    if (i === start || i === end || buf[i] !== SP) {
      fail(buf[i] === CR ? 'HTTP_BARE_CR' : 'HTTP_INVALID_METHOD', 'invalid method token');
    }
    const method = buf.toString('latin1', start, i);
    const t0 = ++i;
    while (i < end && TARGET[buf[i]!] === 1) i++;
    if (i === t0 || i === end || buf[i] !== SP) {
      fail(buf[i] === CR ? 'HTTP_BARE_CR' : 'HTTP_INVALID_TARGET', 'invalid request target');
    }
    const target = buf.toString('latin1', t0, i);
    const v = i + 1;
    // HTTP-version = "HTTP" "/" DIGIT "." DIGIT, case-sensitive (RFC 9112 §2.3).
    if (
      end - v !== 8 ||
      buf[v] !== 0x48 ||
      buf[v + 1] !== 0x54 ||
      buf[v + 2] !== 0x54 ||
      buf[v + 3] !== 0x50 ||
      buf[v + 4] !== 0x2f ||
      buf[v + 6] !== 0x2e ||
      !(buf[v + 5]! >= 0x30 && buf[v + 5]! <= 0x39) ||
      !(buf[v + 7]! >= 0x30 && buf[v + 7]! <= 0x39)
    ) {
      fail(buf.indexOf(CR, v) < end ? 'HTTP_BARE_CR' : 'HTTP_INVALID_VERSION', 'invalid HTTP version');
    }
    const major = buf[v + 5]! - 0x30;
    const minor = buf[v + 7]! - 0x30;
    // Only 1.0 and 1.1 are spoken here; 505 tells the client which versions exist (RFC 9110 §15.6.6).
    if (major !== 1 || minor > 1) fail('HTTP_VERSION_NOT_SUPPORTED', `HTTP/${major}.${minor} not supported`);

    // RFC 9112 §3.2: origin-form, absolute-form, authority-form (CONNECT only), asterisk-form (OPTIONS only).
    let form: TargetForm;
    if (buf[t0] === 0x2f) form = 'origin';
    else if (target === '*') {
      if (method !== 'OPTIONS') fail('HTTP_INVALID_TARGET', 'asterisk-form is for OPTIONS only');
      form = 'asterisk';
    } else if (ABSOLUTE_RE.test(target)) form = 'absolute';
    else if (method === 'CONNECT' && HOST_RE.test(target)) form = 'authority';
    else fail('HTTP_INVALID_TARGET', 'invalid request target');

    this.#method = method;
    this.#target = target;
    this.#targetForm = form;
    this.#minor = minor as 0 | 1;
  }

  // RFC 9112 §5: field-line = field-name ":" OWS field-value OWS.
  #parseFieldLine(buf: Buffer, start: number, end: number, keep: boolean): void {
    // §5.2: obs-fold is refused (and so is whitespace before the first field, §2.2).
    if (isWs(buf[start])) fail('HTTP_OBS_FOLD', 'folded or indented field line');
    let i = start;
    while (i < end && TCHAR[buf[i]!] === 1) i++;
    if (i === end || buf[i] !== 0x3a || i === start) {
      const c = buf[i];
      // §5.1: no whitespace between the field name and the colon; a MUST-400.
      if (i > start && i < end && isWs(c)) fail('HTTP_SPACE_BEFORE_COLON', 'whitespace before colon');
      fail(c === CR ? 'HTTP_BARE_CR' : 'HTTP_INVALID_HEADER_NAME', 'invalid field name');
    }
    let vs = i + 1;
    while (vs < end && isWs(buf[vs])) vs++;
    let ve = end;
    while (ve > vs && isWs(buf[ve - 1])) ve--;
    for (let k = vs; k < ve; k++) {
      // RFC 9110 §5.5: CR, LF and NUL in a value are dangerous; other CTLs are not field-vchar either.
      if (FIELD_VALUE[buf[k]!] !== 1) fail(buf[k] === CR ? 'HTTP_BARE_CR' : 'HTTP_INVALID_HEADER_VALUE', 'invalid field value');
    }
    if (!keep) return;
    const name = buf.toString('latin1', start, i).toLowerCase();
    const value = buf.toString('latin1', vs, ve);
    this.#headers.push([name, value]);
    switch (name) {
      case 'host':
        this.#hostCount++;
        this.#host = value;
        break;
      case 'content-length':
        this.#clCount++;
        this.#cl = value;
        break;
      case 'transfer-encoding':
        // Several lines make one list (RFC 9110 §5.3).
        this.#te = this.#te === undefined ? value : `${this.#te},${value}`;
        break;
      case 'connection':
        for (const token of value.split(',')) {
          const t = token.trim().toLowerCase();
          if (t === 'close') this.#connClose = true;
          else if (t === 'keep-alive') this.#connKeepAlive = true;
          else if (t === 'upgrade') this.#connUpgrade = true;
        }
        break;
      case 'expect':
        this.#expect = this.#expect === undefined ? value : `${this.#expect},${value}`;
        break;
      case 'upgrade':
        this.#hasUpgrade = true;
        break;
    }
  }

  #finishHead(): ParseEvent {
    const limits = this.#limits;
    const minor = this.#minor;
    // RFC 9112 §3.2: 400 to an HTTP/1.1 request without Host, and to any request with several.
    if (this.#hostCount > 1) fail('HTTP_DUPLICATE_HOST', 'more than one Host field');
    if (this.#hostCount === 0 && minor === 1) fail('HTTP_MISSING_HOST', 'missing Host field');
    if (this.#host !== undefined && !HOST_RE.test(this.#host)) fail('HTTP_INVALID_HOST', 'invalid Host field');

    let chunked = false;
    let contentLength = 0;
    if (this.#te !== undefined) {
      // RFC 9112 §6.1: Transfer-Encoding in HTTP/1.0 means faulty framing.
      if (minor === 0) fail('HTTP_TRANSFER_ENCODING_IN_HTTP10', 'Transfer-Encoding in an HTTP/1.0 request');
      // §6.1/§6.3: both framings at once is the classic smuggling vector; refuse rather than pick one.
      if (this.#clCount > 0) fail('HTTP_CONTENT_LENGTH_WITH_TRANSFER_ENCODING', 'both Content-Length and Transfer-Encoding');
      chunked = checkTransferEncoding(this.#te);
    } else if (this.#clCount > 0) {
      // RFC 9110 §8.6 allows merging identical values; refusing is the safe reading.
      if (this.#clCount > 1) fail('HTTP_DUPLICATE_CONTENT_LENGTH', 'more than one Content-Length field');
      contentLength = parseContentLength(this.#cl);
      // Refused before any of the body arrives.
      if (contentLength > limits.maxBodyBytes) fail('HTTP_BODY_TOO_LARGE', 'body larger than allowed');
    }

    let expectContinue = false;
    if (this.#expect !== undefined) {
      for (const member of this.#expect.split(',')) {
        const m = member.trim().toLowerCase();
        if (m === '') continue;
        // RFC 9110 §10.1.1: 100-continue is the only expectation; HTTP/1.0 requests have it ignored.
        if (m === '100-continue') expectContinue = minor === 1;
        else fail('HTTP_EXPECTATION_FAILED', `unsupported expectation "${m}"`);
      }
    }

    // RFC 9112 §9.3: HTTP/1.1 persists unless "close"; HTTP/1.0 only with "keep-alive".
    const keepAlive = !this.#connClose && (minor === 1 || this.#connKeepAlive);
    const head: RequestHead = {
      method: this.#method,
      target: this.#target,
      targetForm: this.#targetForm,
      minor,
      headers: this.#headers,
      host: this.#host,
      contentLength,
      chunked,
      keepAlive,
      expectContinue: expectContinue && (chunked || contentLength > 0),
      upgrade: this.#hasUpgrade && this.#connUpgrade,
    };
    if (chunked) this.#state = S_CHUNK_SIZE;
    else if (contentLength > 0) {
      this.#state = S_BODY;
      this.#remaining = contentLength;
    } else {
      this.#state = S_REQUEST_LINE;
      this.#pendingEnd = true;
    }
    return { type: 'head', head };
  }

  #readBody(): ParseEvent | undefined {
    const avail = this.#end - this.#start;
    if (avail === 0) return undefined;
    const n = avail < this.#remaining ? avail : this.#remaining;
    const data = this.#buf.subarray(this.#start, this.#start + n);
    this.#start = this.#scan = this.#start + n;
    this.#remaining -= n;
    if (this.#remaining === 0) {
      this.#state = S_REQUEST_LINE;
      this.#pendingEnd = true;
    }
    return { type: 'body', data };
  }

  // RFC 9112 §7.1: chunked-body = *chunk last-chunk trailer-section CRLF.
  #readChunked(): ParseEvent | undefined {
    const buf = this.#buf;
    const limits = this.#limits;
    for (;;) {
      switch (this.#state) {
        case S_CHUNK_SIZE: {
          const lf = this.#nextLf();
          if (lf === -1) {
            this.#checkPartialChunkLine();
            return undefined;
          }
          this.#checkChunkSizeStart();
          const start = this.#takeLine(lf);
          this.#chunkLineBytes += lf + 1 - start;
          if (lf - 1 - start > MAX_CHUNK_LINE_BYTES || this.#chunkLineBytes > limits.maxHeaderBytes) {
            fail('HTTP_CHUNK_EXTENSIONS_OVERFLOW', 'chunk extensions too large');
          }
          const size = parseChunkSizeLine(buf, start, lf - 1);
          if (size === 0) {
            this.#state = S_TRAILERS;
            continue;
          }
          // The running total is checked against the announced size, before the data arrives.
          if (this.#bodyBytes + size > limits.maxBodyBytes) fail('HTTP_BODY_TOO_LARGE', 'body larger than allowed');
          this.#bodyBytes += size;
          this.#remaining = size;
          this.#state = S_CHUNK_DATA;
          continue;
        }
        case S_CHUNK_DATA: {
          const avail = this.#end - this.#start;
          if (avail === 0) return undefined;
          const n = avail < this.#remaining ? avail : this.#remaining;
          const data = buf.subarray(this.#start, this.#start + n);
          this.#start = this.#scan = this.#start + n;
          this.#remaining -= n;
          if (this.#remaining === 0) this.#state = S_CHUNK_CRLF;
          return { type: 'body', data };
        }
        case S_CHUNK_CRLF: {
          // chunk = chunk-size [ chunk-ext ] CRLF chunk-data CRLF: the data ends exactly here.
          const avail = this.#end - this.#start;
          if (avail === 0) return undefined;
          if (buf[this.#start] !== CR) fail('HTTP_INVALID_CHUNK', 'chunk data longer than its size');
          if (avail < 2) return undefined;
          if (buf[this.#start + 1] !== LF) fail('HTTP_BARE_CR', 'chunk data ends with a bare CR');
          this.#start = this.#scan = this.#start + 2;
          this.#state = S_CHUNK_SIZE;
          continue;
        }
        default: {
          // Trailer fields: parsed with the header rules and counted against the header limits,
          // then dropped (RFC 9110 §6.5.1 lets a recipient discard them).
          const lf = this.#nextLf();
          if (lf === -1) {
            if (this.#headerBytes + this.#end - this.#start > limits.maxHeaderBytes) {
              fail('HTTP_HEADER_OVERFLOW', 'trailer section too large');
            }
            return undefined;
          }
          const start = this.#takeLine(lf);
          const end = lf - 1;
          if (end === start) {
            this.#state = S_REQUEST_LINE;
            this.#resetMessage();
            return END_EVENT;
          }
          this.#headerBytes += lf + 1 - start;
          if (this.#headerBytes > limits.maxHeaderBytes) fail('HTTP_HEADER_OVERFLOW', 'trailer section too large');
          if (++this.#headerCount > limits.maxHeaderCount) fail('HTTP_TOO_MANY_HEADERS', 'too many trailer fields');
          this.#parseFieldLine(buf, start, end, false);
        }
      }
    }
  }

  #checkPartialChunkLine(): void {
    const len = this.#end - this.#start;
    if (len > MAX_CHUNK_LINE_BYTES + 1 || this.#chunkLineBytes + len > this.#limits.maxHeaderBytes) {
      fail('HTTP_CHUNK_EXTENSIONS_OVERFLOW', 'chunk extensions too large');
    }
    if (len > 0) this.#checkChunkSizeStart();
  }

  /** The size must start the line: a sign, a space or "x" can be refused before the line ends. */
  #checkChunkSizeStart(): void {
    const first = this.#buf[this.#start]!;
    if (first !== CR && HEX[first]! < 0) fail('HTTP_INVALID_CHUNK_SIZE', 'invalid chunk size');
  }
}

/**
 * RFC 9112 §6.1/§6.3: chunked must be the final coding, applied once; any other coding is one this
 * server does not implement (501). Returns true (the body is chunked) or throws.
 */
function checkTransferEncoding(te: string): boolean {
  const codings: string[] = [];
  for (const member of te.split(',')) {
    const c = member.trim().toLowerCase();
    // RFC 9110 §5.6.1: empty list elements are ignored.
    if (c !== '') codings.push(c);
  }
  if (codings.length === 0) fail('HTTP_INVALID_TRANSFER_ENCODING', 'empty Transfer-Encoding');
  // §6.3: a request whose final coding is not chunked has no reliable length: a MUST-400.
  if (codings[codings.length - 1] !== 'chunked') fail('HTTP_INVALID_TRANSFER_ENCODING', 'chunked is not the final transfer coding');
  // §7.1: chunked is never applied more than once.
  if (codings.indexOf('chunked') !== codings.length - 1) fail('HTTP_INVALID_TRANSFER_ENCODING', 'chunked applied more than once');
  // §6.1: an unknown coding SHOULD get 501; gzip and friends are known but not implemented here.
  if (codings.length > 1) fail('HTTP_UNSUPPORTED_TRANSFER_ENCODING', `unsupported transfer coding "${codings[0]}"`);
  return true;
}

/** RFC 9110 §8.6: Content-Length = 1*DIGIT. A list, even of equal values, is refused. */
function parseContentLength(value: string): number {
  if (value.includes(',')) fail('HTTP_DUPLICATE_CONTENT_LENGTH', 'Content-Length is a list');
  if (value.length === 0) fail('HTTP_INVALID_CONTENT_LENGTH', 'empty Content-Length');
  let n = 0;
  for (let i = 0; i < value.length; i++) {
    const d = value.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) fail('HTTP_INVALID_CONTENT_LENGTH', 'Content-Length is not a decimal number');
    // Past 2^53 the exact value no longer matters: it is over every limit.
    n = n > Number.MAX_SAFE_INTEGER ? n : n * 10 + d;
  }
  return n;
}

/** chunk-size [ chunk-ext ]: 1*HEXDIG, then *( BWS ";" BWS name [ BWS "=" BWS value ] ). */
function parseChunkSizeLine(buf: Buffer, start: number, end: number): number {
  let i = start;
  let size = 0;
  while (i < end) {
    const h = HEX[buf[i]!]!;
    if (h < 0) break;
    if (i - start >= MAX_CHUNK_SIZE_DIGITS) fail('HTTP_INVALID_CHUNK_SIZE', 'chunk size too long');
    size = size * 16 + h;
    i++;
  }
  if (i === start) fail(buf[i] === CR && i < end ? 'HTTP_BARE_CR' : 'HTTP_INVALID_CHUNK_SIZE', 'invalid chunk size');
  if (i < end) parseChunkExtensions(buf, i, end);
  return size;
}

function parseChunkExtensions(buf: Buffer, i: number, end: number): void {
  let first = true;
  while (i < end) {
    while (i < end && isWs(buf[i])) i++;
    if (i === end || buf[i] !== 0x3b) {
      // Anything but ";" right after the digits ("0x1", "5 6", "5 ") is a bad size, not a bad extension.
      fail(first ? 'HTTP_INVALID_CHUNK_SIZE' : 'HTTP_INVALID_CHUNK_EXTENSION', 'invalid chunk size line');
    }
    first = false;
    i++;
    while (i < end && isWs(buf[i])) i++;
    const ns = i;
    while (i < end && TCHAR[buf[i]!] === 1) i++;
    if (i === ns) fail('HTTP_INVALID_CHUNK_EXTENSION', 'chunk extension without a name');
    let j = i;
    while (j < end && isWs(buf[j])) j++;
    if (j < end && buf[j] === 0x3d) {
      i = j + 1;
      while (i < end && isWs(buf[i])) i++;
      if (buf[i] === 0x22 && i < end) i = skipQuotedString(buf, i, end);
      else {
        const vs = i;
        while (i < end && TCHAR[buf[i]!] === 1) i++;
        if (i === vs) fail('HTTP_INVALID_CHUNK_EXTENSION', 'chunk extension without a value');
      }
    } else if (j === end && j > i) {
      fail('HTTP_INVALID_CHUNK_EXTENSION', 'whitespace at the end of a chunk size line');
    }
  }
}

/** RFC 9110 §5.6.4: quoted-string; returns the index after the closing quote. */
function skipQuotedString(buf: Buffer, i: number, end: number): number {
  i++;
  while (i < end) {
    const c = buf[i]!;
    if (c === 0x22) return i + 1;
    if (c === 0x5c) {
      const q = buf[i + 1];
      if (i + 1 >= end || q === undefined || !(q === HTAB || (q >= 0x20 && q !== 0x7f))) {
        fail('HTTP_INVALID_CHUNK_EXTENSION', 'bad quoted-pair in chunk extension');
      }
      i += 2;
      continue;
    }
    if (!(c === HTAB || c === SP || c === 0x21 || (c >= 0x23 && c <= 0x7e && c !== 0x5c) || c >= 0x80)) {
      fail(c === CR ? 'HTTP_BARE_CR' : 'HTTP_INVALID_CHUNK_EXTENSION', 'bad character in chunk extension');
    }
    i++;
  }
  return fail('HTTP_INVALID_CHUNK_EXTENSION', 'unterminated quoted string in chunk extension');
}
