// The one error that leaves the SDP parser and the SDP helpers. It carries a stable code, the SIP
// status that fits (400 for a body that breaks the grammar, 488 for a well-formed offer we cannot
// accept) and a reason phrase built only from fixed words, never from the peer's bytes, so it can
// go straight into a status line.

const statusOf = {
  /** No lines at all. */
  SDP_EMPTY: 400,
  SDP_TOO_LARGE: 400,
  SDP_TOO_MANY_LINES: 400,
  SDP_TOO_MANY_MEDIA: 400,
  /** Bytes that are not UTF-8, a NUL, or a CR not followed by LF. */
  SDP_BAD_ENCODING: 400,
  /** A line that is not `<letter>=<value>`, or an empty line in the middle. */
  SDP_BAD_LINE: 400,
  /** A type letter RFC 4566 does not define (the RFC says to ignore the whole description). */
  SDP_UNKNOWN_LINE_TYPE: 400,
  /** A known line in the wrong place: v/o/s out of order, t= inside a media section, … */
  SDP_MISPLACED_LINE: 400,
  /** A line that may appear once per section, seen twice. */
  SDP_DUPLICATE_LINE: 400,
  /** o=, s= or t= absent. */
  SDP_MISSING_LINE: 400,
  SDP_BAD_VERSION: 400,
  SDP_BAD_ORIGIN: 400,
  SDP_BAD_CONNECTION: 400,
  /** A media section with a port but no c= of its own nor at session level. */
  SDP_MISSING_CONNECTION: 400,
  SDP_BAD_MEDIA: 400,
  SDP_BAD_ATTRIBUTE: 400,
  /** Network type other than IN, or address type other than IP4/IP6. */
  SDP_UNSUPPORTED_ADDRESS: 488,
  /** After codec filtering no audio stream has a codec we relay. */
  SDP_NO_COMMON_CODEC: 488,
} as const;

export type SdpErrorCode = keyof typeof statusOf;
export type SdpErrorStatus = (typeof statusOf)[SdpErrorCode];

export class SdpError extends Error {
  override readonly name = 'SdpError';
  readonly code: SdpErrorCode;
  readonly status: SdpErrorStatus;
  /** A full reason phrase for the answer, e.g. "Bad Request - SDP malformed m= line". */
  readonly reason: string;
  /** 1-based line of the body at fault, when one line is. */
  readonly line: number | undefined;

  constructor(code: SdpErrorCode, detail: string, line?: number) {
    const status = statusOf[code];
    const reason = `${status === 400 ? 'Bad Request' : 'Not Acceptable Here'} - SDP ${detail}`;
    super(line === undefined ? `${reason} (${code})` : `${reason} at line ${line} (${code})`);
    this.code = code;
    this.status = status;
    this.reason = reason;
    this.line = line;
  }
}

/** The status each code answers: for tests and docs. */
export function sdpStatusForCode(code: SdpErrorCode): SdpErrorStatus {
  return statusOf[code];
}
