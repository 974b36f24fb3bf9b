// SIP transactions (RFC 3261 §17 with RFC 6026): the four state machines, the layer that matches
// messages to them, and the UAS core's 2xx retransmissions (§13.3.1.4).
export { TransactionLayer, type TransactionCounts, type TransactionLayerOptions } from './transaction-layer.ts';
export { TransactionState, TransactionKind } from './transaction-state.ts';
export { DEFAULT_TIMERS, resolveTimers, timerValues, transactionTimersSchema, type TimerValues, type TransactionTimerConfig } from './timers.ts';
export { Transaction, type TimerName } from './transaction.ts';
export { ClientTransaction } from './client-transaction.ts';
export { ServerTransaction } from './server-transaction.ts';
export { InviteClientTransaction } from './invite-client-transaction.ts';
export { NonInviteClientTransaction } from './non-invite-client-transaction.ts';
export { InviteServerTransaction } from './invite-server-transaction.ts';
export { NonInviteServerTransaction } from './non-invite-server-transaction.ts';
export { Uas2xxRetransmitter, type Uas2xxRetransmitterOptions } from './uas-2xx-retransmitter.ts';
export { LocalResponse, type LocalCause } from './local-response.ts';
export { createAckForNon2xx } from './ack-for-non2xx.ts';
export { createCancel } from './cancel-request.ts';
export { clientKey, clientKeyOfResponse, dialogAckKey, mergeKey, serverKey } from './transaction-keys.ts';
export type { TransactionTransport } from './transaction-transport.ts';
export type { ClientTransactionUser, ServerTransactionUser, TransactionUser } from './transaction-user.ts';
