// Errors of the media layer with stable codes. A B2BUA maps them to answers: no ports left is
// 503 (try another node), a remote we cannot send to is 488; the rest are programming or
// configuration mistakes.

export type MediaErrorCode =
  /** Every RTP/RTCP pair of the range is in use or could not be bound. */
  | 'MEDIA_PORTS_EXHAUSTED'
  /** bind() failed for a reason other than the port being taken (EADDRNOTAVAIL, EACCES, …). */
  | 'MEDIA_BIND_FAILED'
  /** The configured media host is not an IP literal. */
  | 'MEDIA_BAD_HOST'
  /** The configured port range holds no even/odd pair. */
  | 'MEDIA_BAD_RANGE'
  /** A remote address that is not an IP literal of the socket's family, or a bad port. */
  | 'MEDIA_BAD_REMOTE'
  /** A rewrite asked for with ports that do not match the m= lines or a non-IP address; a bad o= identity. */
  | 'MEDIA_BAD_REWRITE'
  | 'MEDIA_SESSION_EXISTS'
  | 'MEDIA_SESSION_CLOSED'
  /** A pair released to a pool that did not hand it out. */
  | 'MEDIA_FOREIGN_PAIR'
  | 'MEDIA_MANAGER_CLOSED';

export class MediaError extends Error {
  override readonly name = 'MediaError';

  constructor(
    readonly code: MediaErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${message} (${code})`, options);
  }
}
