// Why a call ended, as its `end` event says (spec "Events"). The spec names bye-a, bye-b, cancel,
// busy, noanswer and error; the others make failures tell apart in logs and event streams.

export type EndCause =
  /** The caller hung up (BYE from the a leg). */
  | 'bye-a'
  /** The called party hung up (BYE from the b leg). */
  | 'bye-b'
  /** The caller gave up while it rang (CANCEL, or BYE on the early dialog). */
  | 'cancel'
  /** Every fork failed and the best answer was busy (486, 600). */
  | 'busy'
  /** The called party declined (603, 607, 608). */
  | 'decline'
  /** Nobody answered in time (our no-answer timer), or the devices said 408/480. */
  | 'noanswer'
  /** Every fork failed with another 4xx (404, 488, …). */
  | 'rejected'
  /** A 5xx, an unusable answer, a dialog lost on the other side (481/408 in the dialog). */
  | 'error'
  /** A 2xx never acknowledged (RFC 3261 §13.3.1.4): the dialog is ended with BYE. */
  | 'no-ack'
  /** No RTP from either phone for the media timeout. */
  | 'media-timeout'
  /** Ended through the API (DELETE) or by the operations engine. */
  | 'hangup'
  /** The node is stopping. */
  | 'shutdown';

/** The cause of a call whose forks all failed, from the answer the caller got. */
export function causeOfFailure(status: number): EndCause {
  if (status === 486 || status === 600) return 'busy';
  if (status === 603 || status === 607 || status === 608) return 'decline';
  if (status === 408 || status === 480) return 'noanswer';
  if (status === 487) return 'cancel';
  return status >= 500 ? 'error' : 'rejected';
}
