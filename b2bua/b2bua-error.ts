// Errors of the B2BUA with stable codes. What a phone sends never throws: it is answered with a SIP
// status. These are for the node's own callers (options out of range, a dialog id that is gone).

export type B2buaErrorCode =
  /** startSipNode was given an option out of range. */
  | 'B2BUA_BAD_OPTION'
  /** No live call with that dialog id (the API answers 1413). */
  | 'B2BUA_NO_SUCH_DIALOG'
  /** A service call could not be placed: the target names no account, or it has no reachable contact. */
  | 'B2BUA_NO_ROUTE'
  /** No live (answered, for REFER) service call with that Call-ID. */
  | 'B2BUA_NO_SUCH_CALL'
  /** A service-call feature the node does not offer yet (DTMF, joins, Replaces, sdpFrom). */
  | 'B2BUA_NOT_SUPPORTED'
  /** A service-call request the node cannot turn into SIP (a Referred-By or Refer-To that is no URI, bad DTMF digits). */
  | 'B2BUA_BAD_REQUEST';

export class B2buaError extends Error {
  override readonly name = 'B2buaError';

  constructor(
    readonly code: B2buaErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${message} (${code})`, options);
  }
}
