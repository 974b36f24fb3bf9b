// The non-INVITE client transaction (RFC 3261 §17.1.2, Figure 6).
import type { SipResponse } from '../message/index.ts';
import { ClientTransaction } from './client-transaction.ts';
import { LocalResponse } from './local-response.ts';
import { TransactionKind, TransactionState } from './transaction-state.ts';

export class NonInviteClientTransaction extends ClientTransaction {
  readonly kind = TransactionKind.NonInviteClient;
  #intervalE = 0;

  start(): void {
    // "Trying": the request goes to the transport. Timer F (64*T1) bounds the transaction; over an
    // unreliable transport Timer E (T1) governs retransmissions.
    this.transmit(this.request, this.destination);
    this.startTimer('F', this.timers.F, () => this.#timerF());
    if (this.timers.E !== undefined) {
      this.#intervalE = this.timers.E;
      this.startTimer('E', this.#intervalE, () => this.#timerE());
    }
  }

  /**
   * Timer E: retransmit. In "Trying" the interval doubles up to T2; in "Proceeding" it is T2 (a
   * provisional response says the server has the request, so retransmit slowly).
   */
  #timerE(): void {
    if (this.state !== TransactionState.Trying && this.state !== TransactionState.Proceeding) return;
    this.transmit(this.request, this.destination);
    this.#intervalE = this.state === TransactionState.Trying ? Math.min(2 * this.#intervalE, this.timers.T2) : this.timers.T2;
    this.startTimer('E', this.#intervalE, () => this.#timerE());
  }

  /** Timer F in "Trying" or "Proceeding": the TU is told of the timeout (a 408). */
  #timerF(): void {
    if (this.state === TransactionState.Trying || this.state === TransactionState.Proceeding) this.timeout();
  }

  receiveResponse(response: SipResponse): void {
    if (this.state !== TransactionState.Trying && this.state !== TransactionState.Proceeding) {
      // "Completed" absorbs retransmitted final responses.
      return;
    }
    if (response.status < 200) {
      this.transition(TransactionState.Proceeding);
      this.toUser(response);
      return;
    }
    // A final response: "Completed", the TU gets it, and Timer K (T4 unreliable, zero reliable)
    // absorbs its retransmissions.
    this.stopTimer('E');
    this.stopTimer('F');
    this.transition(TransactionState.Completed);
    this.toUser(response);
    this.after('K', this.timers.K, () => this.terminate());
  }

  protected transportError(error: Error): void {
    // §17.1.2.2: a transport error in "Trying" or "Proceeding" ends the transaction with a 503 for the TU.
    if (this.state === TransactionState.Trying || this.state === TransactionState.Proceeding) {
      this.toUser(LocalResponse.transportError(this.request, error));
    }
    this.terminate();
  }
}
