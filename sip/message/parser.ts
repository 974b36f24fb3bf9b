// The message parser (RFC 3261 §7, §18.3, §25). Works on Buffers: the header section is found with
// byte scans under the size limits, decoded once, and split into fields; the start line and the
// headers every transaction needs (Via, From, To, Call-ID, CSeq, Max-Forwards, Content-Length) are
// checked at once, the rest parse lazily. Both entry points throw nothing but SipParseError.
import { isUtf8 } from 'node:buffer';
import { SipParseError, badStartLine, type PartialMessage } from './errors.ts';
import { isToken, isWsp, trimWsp } from './grammar.ts';
import { H } from './header-forms.ts';
import { headerKey } from './header-names.ts';
import { SipHeaders, type HeaderField } from './headers.ts';
import { DATAGRAM_LIMITS, type SipLimits } from './limits.ts';
import { SipRequest, SipResponse, SIP_VERSION, type SipMessage } from './message.ts';
import { parseUri } from './uri.ts';

const LF = 0x0a;
const CR = 0x0d;

/** Where the scan of a header section stands; kept between chunks by the stream parser. */
export interface HeadScan {
  /** Start of the physical line being read. */
  lineStart: number;
  /** Where the search for the next LF resumes: bytes before it were looked at already. */
  pos: number;
  /** Start of the header field being read (a folded field spans several lines). */
  fieldStart: number;
  /** False until the start line has been read. */
  startLineDone: boolean;
  headerCount: number;
}

export interface HeadBounds {
  /** Index of the empty line that ends the header section. */
  readonly headEnd: number;
  /** Index of the first body byte. */
  readonly bodyStart: number;
}

export function newHeadScan(start: number): HeadScan {
  return { lineStart: start, pos: start, fieldStart: start, startLineDone: false, headerCount: 0 };
}

function tooLong(code: 'SIP_START_LINE_TOO_LONG' | 'SIP_HEADER_TOO_LONG' | 'SIP_TOO_MANY_HEADERS'): SipParseError {
  if (code === 'SIP_START_LINE_TOO_LONG') return new SipParseError(code, 414, 'Request-URI Too Long');
  if (code === 'SIP_HEADER_TOO_LONG') return new SipParseError(code, 513, 'Message Too Large - Header Too Long');
  return new SipParseError(code, 513, 'Message Too Large - Too Many Headers');
}

/**
 * Looks for the empty line ending the header section in buf[.., end), resuming where `st` left off.
 * Enforces the start-line, header-line and header-count limits on every line, and on the unfinished
 * last one, so a line that never ends fails once it is over the limit. A line ends with LF; the CR
 * before it is optional (see docs/sip.md: bare LF is tolerated as RFC 2616 §19.3 advises).
 */
export function scanHead(buf: Buffer, end: number, limits: SipLimits, st: HeadScan): HeadBounds | undefined {
  for (;;) {
    const lf = buf.indexOf(LF, st.pos);
    if (lf < 0 || lf >= end) {
      st.pos = end;
      break;
    }
    let lineEnd = lf;
    if (lineEnd > st.lineStart && buf[lineEnd - 1] === CR) lineEnd--;
    if (!st.startLineDone) {
      if (lineEnd - st.lineStart > limits.maxStartLineBytes) throw tooLong('SIP_START_LINE_TOO_LONG');
      st.startLineDone = true;
    } else if (lineEnd === st.lineStart) {
      return { headEnd: st.lineStart, bodyStart: lf + 1 };
    } else {
      const first = buf[st.lineStart]!;
      if (!isWsp(first)) {
        if (++st.headerCount > limits.maxHeaderCount) throw tooLong('SIP_TOO_MANY_HEADERS');
        st.fieldStart = st.lineStart;
      }
      if (lineEnd - st.fieldStart > limits.maxHeaderLineBytes) throw tooLong('SIP_HEADER_TOO_LONG');
    }
    st.lineStart = st.pos = lf + 1;
  }
  // The unfinished line: one byte of slack for a CR whose LF has not arrived.
  const tail = end - st.lineStart;
  if (!st.startLineDone) {
    if (tail > limits.maxStartLineBytes + 1) throw tooLong('SIP_START_LINE_TOO_LONG');
  } else if (tail > 0) {
    const from = isWsp(buf[st.lineStart]!) ? st.fieldStart : st.lineStart;
    if (end - from > limits.maxHeaderLineBytes + 1) throw tooLong('SIP_HEADER_TOO_LONG');
    if (from === st.lineStart && st.headerCount + 1 > limits.maxHeaderCount) throw tooLong('SIP_TOO_MANY_HEADERS');
  }
  return undefined;
}

/** Skips CR and LF bytes (§7.5: stream transports ignore CRLF before a start line). */
export function skipLineEnds(buf: Buffer, from: number, end: number): number {
  let i = from;
  while (i < end && (buf[i] === CR || buf[i] === LF)) i++;
  return i;
}

/** True for a datagram of nothing but CR and LF: a keep-alive, not a message (RFC 5626 §3.5.1). */
export function isKeepalive(buf: Buffer): boolean {
  return buf.length > 0 && skipLineEnds(buf, 0, buf.length) === buf.length;
}

// One pass over the common case: anything but printable ASCII, HTAB and line ends, or a CR that
// does not end a line. Only a message that has one looks closer.
const UNUSUAL = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\xff]|\r[^\n]/;
const NON_ASCII = /[\x80-\xff]/;
const CONTROL = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/;
const BARE_CR = /\r[^\n]/;

/**
 * Control characters may appear in a header only as a quoted-pair inside a quoted-string (§25:
 * quoted-pair = "\" (%x00-09 / %x0B-0C / %x0E-7F); RFC 4475 §3.1.1.2 has BEL, NUL and DEL there).
 */
function controlsAreQuoted(s: string): boolean {
  let inQuote = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (inQuote && c === 0x5c) {
      const n = s.charCodeAt(i + 1);
      if (n === CR || n === LF) return false;
      i++;
    } else if (c === 0x22) inQuote = !inQuote;
    else if ((c < 0x20 && c !== 0x09) || c === 0x7f) return false;
  }
  return true;
}

interface Lexed {
  startLine: string;
  fields: HeaderField[];
  /** The first problem met while splitting lines; reported after the start line's. */
  error: SipParseError | undefined;
  /** Control characters in the start line: reported before anything else. */
  startLineError: SipParseError | undefined;
}

function badLine(): SipParseError {
  return new SipParseError('SIP_BAD_HEADER_LINE', 400, 'Bad Request - Malformed Header Line');
}

/** Decodes the header section once and splits it into the start line and unfolded fields. */
function lex(buf: Buffer, start: number, headEnd: number): Lexed {
  let text = buf.toString('latin1', start, headEnd);
  let error: SipParseError | undefined;
  let checkControls = false;
  if (UNUSUAL.test(text)) {
    if (NON_ASCII.test(text)) {
      // §7: SIP text is UTF-8. Decoding after the byte scans keeps every limit in bytes.
      if (isUtf8(buf.subarray(start, headEnd))) text = buf.toString('utf8', start, headEnd);
      else error = new SipParseError('SIP_BAD_ENCODING', 400, 'Bad Request - Invalid UTF-8');
    }
    checkControls = error === undefined && (CONTROL.test(text) || BARE_CR.test(text));
  }

  let nl = text.indexOf('\n');
  if (nl < 0) nl = text.length;
  const startLine = text.slice(0, nl > 0 && text.charCodeAt(nl - 1) === CR ? nl - 1 : nl);
  const fields: HeaderField[] = [];
  let name: string | undefined;
  let value = '';
  let pos = nl + 1;
  // One pass over the lines; a field is pushed when the next one starts (or at the end), since a
  // line starting with white space still belongs to it.
  for (;;) {
    const atEnd = pos >= text.length;
    const first = atEnd ? -1 : text.charCodeAt(pos);
    if (first !== 0x20 && first !== 0x09 && name !== undefined) {
      const v = trimWsp(value);
      if (checkControls && !controlsAreQuoted(v)) {
        error ??= new SipParseError('SIP_BAD_ENCODING', 400, 'Bad Request - Invalid Character', name);
      }
      fields.push({ name, key: headerKey(name), value: v });
      name = undefined;
    }
    if (atEnd) break;
    nl = text.indexOf('\n', pos);
    if (nl < 0) nl = text.length;
    const e = nl > pos && text.charCodeAt(nl - 1) === CR ? nl - 1 : nl;
    if (first === 0x20 || first === 0x09) {
      // §7.3.1: a line starting with white space continues the field; the line break and the
      // white space around it count as one SP.
      if (name === undefined) error ??= badLine();
      else {
        const cont = trimWsp(text.slice(pos, e));
        if (cont !== '') value = value === '' ? cont : trimWsp(value) + ' ' + cont;
      }
    } else {
      const colon = text.indexOf(':', pos);
      if (colon < 0 || colon >= e) error ??= badLine();
      else {
        // HCOLON = *( SP / HTAB ) ":" SWS
        let ne = colon;
        while (ne > pos && isWsp(text.charCodeAt(ne - 1))) ne--;
        const n = text.slice(pos, ne);
        if (!isToken(n)) error ??= badLine();
        else {
          name = n;
          value = text.slice(colon + 1, e);
        }
      }
    }
    pos = nl + 1;
  }
  const startLineError =
    checkControls && (CONTROL.test(startLine) || startLine.indexOf('\r') >= 0)
      ? new SipParseError('SIP_BAD_ENCODING', 400, 'Bad Request - Invalid Character')
      : undefined;
  return { startLine, fields, error, startLineError };
}

const VERSION = /^SIP\/[0-9]+\.[0-9]+$/i;

/** A Status-Line starts with the version; no method can, as "/" is not a token character. */
function isStatusLine(line: string): boolean {
  return line.length >= 4 && line.charCodeAt(3) === 0x2f && line.slice(0, 3).toUpperCase() === 'SIP';
}

function startOf(startLine: string): { isRequest: boolean; method: string | undefined } {
  if (isStatusLine(startLine)) return { isRequest: false, method: undefined };
  const sp = startLine.indexOf(' ');
  const m = sp < 0 ? startLine : startLine.slice(0, sp);
  return { isRequest: true, method: isToken(m) ? m : undefined };
}

function badUri(what: string): SipParseError {
  return new SipParseError('SIP_BAD_REQUEST_URI', 400, `Bad Request - ${what}`);
}

/** Request-Line = Method SP Request-URI SP SIP-Version (§7.1): single spaces, no LWS anywhere. */
function parseRequestLine(line: string, headers: SipHeaders): SipRequest {
  const sp1 = line.indexOf(' ');
  const sp2 = sp1 < 0 ? -1 : line.indexOf(' ', sp1 + 1);
  // RFC 4475 §3.1.2.8-10: LWS inside the URI, doubled SP and trailing SP all land here.
  if (sp1 <= 0 || sp2 < 0 || line.indexOf(' ', sp2 + 1) >= 0 || line.indexOf('\t') >= 0) {
    throw badStartLine('Malformed Request-Line');
  }
  const method = line.slice(0, sp1);
  const uriText = line.slice(sp1 + 1, sp2);
  const version = line.slice(sp2 + 1);
  if (!isToken(method) || uriText.length === 0 || !VERSION.test(version)) throw badStartLine('Malformed Request-Line');
  // §21.5.7: a version other than SIP/2.0 is answered with 505 (RFC 4475 §3.1.2.16).
  if (version.toUpperCase() !== SIP_VERSION) {
    throw new SipParseError('SIP_VERSION_NOT_SUPPORTED', 505, 'Version Not Supported');
  }
  // §7.1: the Request-URI must not be enclosed in "<>" (RFC 4475 §3.1.2.7).
  if (uriText.charCodeAt(0) === 0x3c) throw badUri('Malformed Request-URI');
  let uri;
  try {
    uri = parseUri(uriText, 'Request-URI');
  } catch {
    throw badUri('Malformed Request-URI');
  }
  // §19.1.1, table 1: headers are not allowed in a Request-URI (RFC 4475 §3.1.2.11).
  if (uri.kind === 'sip' && uri.headers.length > 0) throw badUri('Headers in Request-URI');
  return new SipRequest(method, uri, headers, undefined, uriText);
}

/** Status-Line = SIP-Version SP Status-Code SP Reason-Phrase (§7.2). */
function parseStatusLine(line: string, headers: SipHeaders): SipResponse {
  const sp = line.indexOf(' ');
  const version = sp < 0 ? line : line.slice(0, sp);
  if (!VERSION.test(version)) throw badStartLine('Malformed Status-Line');
  if (version.toUpperCase() !== SIP_VERSION) {
    throw new SipParseError('SIP_VERSION_NOT_SUPPORTED', 505, 'Version Not Supported');
  }
  // Status-Code = 3DIGIT, 100 to 699, and the SP after it is required even with no reason
  // (RFC 4475 §3.1.1.13, §3.1.2.19).
  const code = line.slice(sp + 1, sp + 4);
  if (!/^[1-6][0-9][0-9]$/.test(code) || line.charCodeAt(sp + 4) !== 0x20) {
    throw new SipParseError('SIP_BAD_STATUS_CODE', 400, 'Bad Request - Malformed Status-Line');
  }
  return new SipResponse(Number(code), line.slice(sp + 5), headers);
}

/**
 * Parses the header section buf[start, headEnd) into a message without body. Throws SipParseError
 * with the partial message attached.
 */
export function parseHead(buf: Buffer, start: number, headEnd: number): SipMessage {
  const lexed = lex(buf, start, headEnd);
  const headers = SipHeaders.fromFields(lexed.fields);
  const line = lexed.startLine;
  try {
    if (lexed.startLineError) throw lexed.startLineError;
    if (line.length === 0) throw badStartLine('Malformed Start Line');
    const msg = isStatusLine(line) ? parseStatusLine(line, headers) : parseRequestLine(line, headers);
    if (lexed.error) throw lexed.error;
    checkCoreHeaders(headers);
    return msg;
  } catch (e) {
    throw toParseError(e).withPartial({ ...startOf(line), startLine: line, headers });
  }
}

/**
 * The headers every transaction reads are checked on arrival, so a malformed one is answered with
 * 400 before any state is created. Duplicates of single-valued ones are refused (RFC 4475 §3.3.8,
 * §3.3.9); missing ones are left to validateRequest / validateResponse.
 */
function checkCoreHeaders(h: SipHeaders): void {
  h.all(H.via);
  h.one(H.from);
  h.one(H.to);
  h.one(H.callId);
  h.one(H.cseq);
  h.one(H.maxForwards);
  h.one(H.contentLength);
}

/** Any error that escapes a parser becomes a SipParseError: the entry points promise no other. */
export function toParseError(e: unknown): SipParseError {
  if (e instanceof SipParseError) return e;
  const err = new SipParseError('SIP_BAD_HEADER', 400, 'Bad Request');
  err.cause = e;
  return err;
}

/**
 * The Content-Length of a partial message, if it has exactly one well-formed one: what framing a
 * stream needs to skip over a message it refuses.
 */
export function framingLength(headers: SipHeaders): number | undefined {
  try {
    return headers.one(H.contentLength);
  } catch {
    return undefined;
  }
}

/** A partial message from the complete lines of a header section that broke a limit. */
export function partialOf(buf: Buffer, start: number, upTo: number): PartialMessage {
  const lexed = lex(buf, start, Math.max(start, upTo));
  return { ...startOf(lexed.startLine), startLine: lexed.startLine, headers: SipHeaders.fromFields(lexed.fields) };
}

/** What a SipParseError carries for a message that parsed but is refused afterwards. */
export function partialOfMessage(msg: SipMessage): PartialMessage {
  return msg.kind === 'request'
    ? { isRequest: true, method: msg.method, startLine: `${msg.method} ${msg.uriText} ${SIP_VERSION}`, headers: msg.headers }
    : { isRequest: false, method: undefined, startLine: `${SIP_VERSION} ${msg.status} ${msg.reason}`, headers: msg.headers };
}

export function bodyTooLarge(): SipParseError {
  return new SipParseError('SIP_BODY_TOO_LARGE', 413, 'Request Entity Too Large');
}

export function messageTooLarge(): SipParseError {
  return new SipParseError('SIP_MESSAGE_TOO_LARGE', 513, 'Message Too Large');
}

/**
 * Parses one UDP datagram (§18.3): the whole message is in it. Without Content-Length the body is
 * the rest of the datagram; with it, octets past the body are dropped (RFC 4475 §3.1.1.8) and a body
 * shorter than announced is an error (§3.1.2.2).
 */
export function parseDatagram(buf: Buffer, limits: SipLimits = DATAGRAM_LIMITS): SipMessage {
  const start = skipLineEnds(buf, 0, buf.length);
  if (start === buf.length) throw new SipParseError('SIP_EMPTY_MESSAGE', 400, 'Bad Request - Empty Message');
  const st = newHeadScan(start);
  let bounds: HeadBounds | undefined;
  try {
    if (buf.length > limits.maxMessageBytes) throw messageTooLarge();
    bounds = scanHead(buf, buf.length, limits, st);
  } catch (e) {
    throw toParseError(e).withPartial(partialOf(buf, start, st.lineStart));
  }
  if (!bounds) {
    throw new SipParseError('SIP_INCOMPLETE_HEAD', 400, 'Bad Request - Missing Empty Line').withPartial(
      partialOf(buf, start, st.lineStart),
    );
  }
  const msg = parseHead(buf, start, bounds.headEnd);
  const available = buf.length - bounds.bodyStart;
  const length = msg.contentLength ?? available;
  if (length > available) {
    throw new SipParseError('SIP_BODY_TRUNCATED', 400, 'Bad Request - Content-Length Larger Than Message').withPartial(
      partialOfMessage(msg),
    );
  }
  if (length > limits.maxBodyBytes) throw bodyTooLarge().withPartial(partialOfMessage(msg));
  msg.body = buf.subarray(bounds.bodyStart, bounds.bodyStart + length);
  return msg;
}
