// Errors of the dialog layer with stable codes. A request or response that cannot make a dialog is
// the caller's to answer (400, or ignore a response); these say why.

export type DialogErrorCode =
  /** §12.1.1, §12.1.2: a dialog-creating message needs Call-ID, From, To and CSeq. */
  | 'DIALOG_MISSING_HEADER'
  /** §12.1: a response without a To tag creates no dialog; a UAS needs the request's From tag. */
  | 'DIALOG_MISSING_TAG'
  /** §8.1.1.8: a dialog-creating request or response must carry exactly one Contact with a SIP URI. */
  | 'DIALOG_BAD_CONTACT'
  /** A request was asked of a terminated dialog. */
  | 'DIALOG_TERMINATED'
  /** §8.1.1.5: the local CSeq would pass 2^31 - 1. */
  | 'DIALOG_CSEQ_EXHAUSTED';

export class DialogError extends Error {
  override readonly name = 'DialogError';

  constructor(
    readonly code: DialogErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${message} (${code})`, options);
  }
}
