// The states of a B2B call and of each of its forks. A call is stored with the spec's statuses:
// Forking → forking, Dialog → dialog, Closing → closing; Ended calls are out of the store.

export const CallState = {
  /** The b side is being called, perhaps on several forks; the a leg has had no final response. */
  Forking: 'forking',
  /** Answered: one b leg, bridged with the a leg. */
  Dialog: 'dialog',
  /** BYE or CANCEL sent, the final answer given to A: waiting for the legs to end. */
  Closing: 'closing',
  /** Every leg is over; the call is out of the store and its media closed. */
  Ended: 'ended',
} as const;

export type CallState = (typeof CallState)[keyof typeof CallState];

export const ForkState = {
  /** INVITE sent, nothing but 100 back. */
  Calling: 'calling',
  /** A provisional response (180/183…) came: the device rings. */
  Ringing: 'ringing',
  /** Its 2xx won: this fork is the call's b leg. */
  Answered: 'answered',
  /** A final non-2xx (or no answer at all); or it lost, was CANCELled and answered 487. */
  Failed: 'failed',
} as const;

export type ForkState = (typeof ForkState)[keyof typeof ForkState];
