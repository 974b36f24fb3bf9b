// The states of RFC 3261 §17 (Figures 5-8) with the Accepted state RFC 6026 §7.1 adds to both
// INVITE machines.

export const TransactionState = {
  /** INVITE client: the INVITE is being (re)transmitted, no response yet. */
  Calling: 'Calling',
  /** Non-INVITE client and server: the request is out (client) or with the TU (server), nothing back yet. */
  Trying: 'Trying',
  /** A provisional response has arrived (client) or been sent (server); INVITE server starts here. */
  Proceeding: 'Proceeding',
  /** RFC 6026: a 2xx to an INVITE was received (client) or sent (server). */
  Accepted: 'Accepted',
  /** A final response (a non-2xx for INVITE) was received or sent; absorbing retransmissions. */
  Completed: 'Completed',
  /** INVITE server: the ACK for the non-2xx arrived; absorbing its retransmissions. */
  Confirmed: 'Confirmed',
  /** Over: timers stopped, out of the transaction table. */
  Terminated: 'Terminated',
} as const;

export type TransactionState = (typeof TransactionState)[keyof typeof TransactionState];

export const TransactionKind = {
  InviteClient: 'invite-client',
  NonInviteClient: 'non-invite-client',
  InviteServer: 'invite-server',
  NonInviteServer: 'non-invite-server',
} as const;

export type TransactionKind = (typeof TransactionKind)[keyof typeof TransactionKind];
