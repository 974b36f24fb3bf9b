// Every way a request can be refused before it reaches a handler, with a stable code (as undici
// names its errors) and the status the front end answers. The connection is always closed after
// one of these: after a framing error the next byte's meaning is unknown, and guessing is how
// request smuggling works.

const statusOf = {
  HTTP_INVALID_REQUEST_LINE: 400,
  HTTP_INVALID_METHOD: 400,
  HTTP_INVALID_TARGET: 400,
  HTTP_INVALID_VERSION: 400,
  HTTP_VERSION_NOT_SUPPORTED: 505,
  HTTP_TOO_MANY_EMPTY_LINES: 400,
  HTTP_BARE_LF: 400,
  HTTP_BARE_CR: 400,
  HTTP_OBS_FOLD: 400,
  HTTP_INVALID_HEADER_NAME: 400,
  HTTP_SPACE_BEFORE_COLON: 400,
  HTTP_INVALID_HEADER_VALUE: 400,
  HTTP_MISSING_HOST: 400,
  HTTP_DUPLICATE_HOST: 400,
  HTTP_INVALID_HOST: 400,
  HTTP_INVALID_CONTENT_LENGTH: 400,
  HTTP_DUPLICATE_CONTENT_LENGTH: 400,
  HTTP_CONTENT_LENGTH_WITH_TRANSFER_ENCODING: 400,
  HTTP_TRANSFER_ENCODING_IN_HTTP10: 400,
  HTTP_INVALID_TRANSFER_ENCODING: 400,
  HTTP_UNSUPPORTED_TRANSFER_ENCODING: 501,
  HTTP_INVALID_CHUNK_SIZE: 400,
  HTTP_INVALID_CHUNK_EXTENSION: 400,
  HTTP_INVALID_CHUNK: 400,
  HTTP_CHUNK_EXTENSIONS_OVERFLOW: 413,
  HTTP_INCOMPLETE_MESSAGE: 400,
  HTTP_REQUEST_LINE_TOO_LONG: 414,
  HTTP_HEADER_OVERFLOW: 431,
  HTTP_TOO_MANY_HEADERS: 431,
  HTTP_BODY_TOO_LARGE: 413,
  HTTP_EXPECTATION_FAILED: 417,
  HTTP_INVALID_METHOD_OVERRIDE: 400,
  HTTP_HEADERS_TIMEOUT: 408,
  HTTP_BODY_TIMEOUT: 408,
} as const;

export type HttpParseErrorCode = keyof typeof statusOf;

export class HttpParseError extends Error {
  override readonly name = 'HttpParseError';
  readonly status: number;

  constructor(
    readonly code: HttpParseErrorCode,
    message: string,
  ) {
    super(message);
    this.status = statusOf[code];
  }
}

/** The status each code answers: for tests and docs. */
export function statusForCode(code: HttpParseErrorCode): number {
  return statusOf[code];
}
