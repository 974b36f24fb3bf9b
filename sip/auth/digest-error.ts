// The one error type that leaves the digest code: header values that do not follow the grammar,
// values that cannot be written, and challenges a client cannot answer. The server side never lets
// it escape `verify` (a bad Authorization becomes a new challenge); the codes are stable for logs.

export type DigestErrorCode =
  /** The header value is longer than the limit: refused before any parsing work. */
  | 'DIGEST_TOO_LONG'
  /** More auth-params than the limit. */
  | 'DIGEST_TOO_MANY_PARAMS'
  /** The scheme is not "Digest" (Basic, Bearer, …), or there is no scheme. */
  | 'DIGEST_NOT_DIGEST'
  /** The value does not follow `Digest LWS auth-param *(COMMA auth-param)`. */
  | 'DIGEST_BAD_SYNTAX'
  /** A control character (NUL, bare CR or LF, DEL, …) where the grammar allows none. */
  | 'DIGEST_BAD_CHARACTER'
  /** A quoted-string without its closing quote. */
  | 'DIGEST_UNTERMINATED_QUOTE'
  /** The same auth-param twice (names compare case-insensitively). */
  | 'DIGEST_DUPLICATE_PARAM'
  /** A parameter the challenge or credentials must carry is absent. */
  | 'DIGEST_MISSING_PARAM'
  /** A known parameter whose value breaks its own rule (nc not 8 hex digits, empty qop list, …). */
  | 'DIGEST_INVALID_PARAM'
  /** A value that cannot be written: a control character, or a non-token where a token is due. */
  | 'DIGEST_UNSERIALIZABLE'
  /** Client side: no challenge offers an algorithm and qop we can answer. */
  | 'DIGEST_NO_USABLE_CHALLENGE';

export class DigestError extends Error {
  override readonly name = 'DigestError';
  readonly code: DigestErrorCode;
  /** The parameter at fault, lower-cased, when one is. */
  readonly param: string | undefined;

  constructor(code: DigestErrorCode, message: string, param?: string) {
    super(`${message} (${code})`);
    this.code = code;
    this.param = param;
  }
}
