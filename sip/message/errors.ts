// The one error type that leaves the parser. It carries what a transport needs to decide between
// answering (400/413/414/505/513 with the reason phrase) and dropping silently.
import type { SipHeaders } from './headers.ts';

export type SipErrorCode =
  /** Nothing but CR/LF (or nothing at all) where a message was expected. */
  | 'SIP_EMPTY_MESSAGE'
  /** The header section never ends with an empty line. */
  | 'SIP_INCOMPLETE_HEAD'
  | 'SIP_BAD_START_LINE'
  | 'SIP_BAD_REQUEST_URI'
  | 'SIP_BAD_STATUS_CODE'
  | 'SIP_VERSION_NOT_SUPPORTED'
  /** A header line without a colon, with a non-token name, or a continuation with nothing to continue. */
  | 'SIP_BAD_HEADER_LINE'
  /** Bytes that are not UTF-8, or control characters outside a quoted-pair. */
  | 'SIP_BAD_ENCODING'
  /** A header whose value does not follow its grammar. */
  | 'SIP_BAD_HEADER'
  /** A single-valued header that appears more than once. */
  | 'SIP_DUPLICATE_HEADER'
  | 'SIP_MISSING_HEADER'
  | 'SIP_CSEQ_METHOD_MISMATCH'
  | 'SIP_BAD_CONTENT_LENGTH'
  | 'SIP_MISSING_CONTENT_LENGTH'
  /** Content-Length promises more bytes than the datagram holds. */
  | 'SIP_BODY_TRUNCATED'
  | 'SIP_MESSAGE_TOO_LARGE'
  | 'SIP_START_LINE_TOO_LONG'
  | 'SIP_HEADER_TOO_LONG'
  | 'SIP_TOO_MANY_HEADERS'
  | 'SIP_BODY_TOO_LARGE';

/** The response status that fits the error, should the transport be able to answer. */
export type SipErrorStatus = 400 | 413 | 414 | 505 | 513;

/** What was read before the error: enough to build a response when `canAnswer` is true. */
export interface PartialMessage {
  readonly isRequest: boolean;
  /** The request method when the start line is a request; a response has none. */
  readonly method: string | undefined;
  readonly startLine: string;
  /** The header fields read so far, in order. */
  readonly headers: SipHeaders;
}

export class SipParseError extends Error {
  override readonly name = 'SipParseError';
  readonly code: SipErrorCode;
  readonly status: SipErrorStatus;
  /** A full reason phrase for the answer, e.g. "Bad Request - Malformed CSeq". */
  readonly reason: string;
  /** The canonical name of the header at fault, when one is. */
  readonly header: string | undefined;
  /**
   * True when a response can be built from `partial`: the start line is a request other than ACK
   * (an ACK is never answered, RFC 3261 §17.1.1.3) and Via, From, To, Call-ID and CSeq are present.
   * The transport answers to the packet's source, since the top Via may be the broken part.
   */
  canAnswer = false;
  partial: PartialMessage | undefined = undefined;

  constructor(code: SipErrorCode, status: SipErrorStatus, reason: string, header?: string) {
    super(`${reason} (${code})`);
    this.code = code;
    this.status = status;
    this.reason = reason;
    this.header = header;
  }

  /** Attaches what was read; works out whether the error can be answered. */
  withPartial(partial: PartialMessage): this {
    this.partial = partial;
    this.canAnswer = isAnswerable(partial);
    return this;
  }
}

function isAnswerable(p: PartialMessage): boolean {
  if (!p.isRequest || p.method === undefined || p.method === 'ACK') return false;
  const h = p.headers;
  return h.has('via') && h.has('from') && h.has('to') && h.has('call-id') && h.has('cseq');
}

/** A 400 for a header that does not follow its grammar. */
export function malformed(header: string): SipParseError {
  return new SipParseError('SIP_BAD_HEADER', 400, `Bad Request - Malformed ${header}`, header);
}

/** A 400 caused by the start line. */
export function badStartLine(what: string): SipParseError {
  return new SipParseError('SIP_BAD_START_LINE', 400, `Bad Request - ${what}`);
}
