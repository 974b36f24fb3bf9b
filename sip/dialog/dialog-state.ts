// The states of a dialog (RFC 3261 §12): a provisional response with a To tag makes an early
// dialog, a 2xx a confirmed one, and a BYE (or a failure of the INVITE) ends it.

export const DialogState = {
  /** §12.1: created by a 101-199 response with a To tag; may still fail or be replaced by a 2xx. */
  Early: 'early',
  /** §12.1: created (or confirmed) by a 2xx. */
  Confirmed: 'confirmed',
  /** §12.3: BYE sent or received, or the INVITE failed: no request is sent on it any more. */
  Terminated: 'terminated',
} as const;

export type DialogState = (typeof DialogState)[keyof typeof DialogState];

/** Which side of the dialog-creating INVITE we were. */
export type DialogRole = 'uac' | 'uas';
