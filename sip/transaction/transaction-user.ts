// The transaction user (TU, RFC 3261 §5, §17): what the layer calls up to. A B2BUA's UAC and UAS
// cores implement these.
import type { SipRequest, SipResponse } from '../message/index.ts';
import type { Source } from '../transport/types.ts';
import type { ClientTransaction } from './client-transaction.ts';
import type { InviteServerTransaction } from './invite-server-transaction.ts';
import type { ServerTransaction } from './server-transaction.ts';

/** Given with each request sent (TransactionLayer.sendRequest). */
export interface ClientTransactionUser {
  /**
   * Every response for the TU, in order: provisionals, the final response, and for an INVITE every
   * 2xx received in the Accepted state (retransmissions and forks, RFC 6026 §7.2). Timer B/F fired
   * (408) and transport errors (503) arrive here too as a LocalResponse (§8.1.3.1).
   */
  onResponse?(response: SipResponse, tx: ClientTransaction): void;
  /** The transaction is over and out of the table. */
  onTerminated?(tx: ClientTransaction): void;
}

/** Set on a server transaction by the TU (tx.user = {...}). */
export interface ServerTransactionUser {
  /** §17.2.1: Timer H fired; our 300-699 to an INVITE was never acknowledged. */
  onTimeout?(tx: ServerTransaction): void;
  /**
   * §13.3.1.4: our 2xx to an INVITE was retransmitted for 64*T1 with no ACK. The dialog is
   * confirmed, but the session should be ended with a BYE.
   */
  onNoAck?(response: SipResponse, tx: InviteServerTransaction): void;
  /** §17.2.4: a response could not be sent; the transaction is terminated. */
  onTransportError?(error: Error, tx: ServerTransaction): void;
  onTerminated?(tx: ServerTransaction): void;
}

/** The layer-wide callbacks, given when the layer is built. */
export interface TransactionUser {
  /**
   * A request that matched no transaction (anything but ACK): a new server transaction was made
   * for it. The TU answers with tx.respond / tx.reply. A CANCEL comes here too; see
   * TransactionLayer.findInviteForCancel (§9.2).
   */
  onRequest(tx: ServerTransaction, source: Source): void;
  /**
   * An ACK no transaction absorbed: the ACK for a 2xx (its own transaction, §17.1.1.3), whether it
   * matched the INVITE in the Accepted state or not. Matching 2xx retransmissions have been stopped.
   */
  onAck?(ack: SipRequest, source: Source): void;
  /**
   * A response that matched no client transaction (§17.1.3): e.g. a 2xx retransmitted after
   * Timer M ended the INVITE transaction. A UAC core answers it with the same ACK as before.
   */
  onStrayResponse?(response: SipResponse, source: Source): void;
}
