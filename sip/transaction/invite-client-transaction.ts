// The INVITE client transaction (RFC 3261 §17.1.1, Figure 5, as amended by RFC 6026 §7.2, §8.4).
import type { SipRequest, SipResponse } from '../message/index.ts';
import { createAckForNon2xx } from './ack-for-non2xx.ts';
import { ClientTransaction } from './client-transaction.ts';
import { LocalResponse } from './local-response.ts';
import { TransactionKind, TransactionState } from './transaction-state.ts';

export class InviteClientTransaction extends ClientTransaction {
  readonly kind = TransactionKind.InviteClient;
  #intervalA = 0;
  #ack: SipRequest | undefined;
  #pendingCancel: (() => void) | undefined;
  #cancelSent = false;

  /** The ACK sent for a non-2xx final response, once there is one. */
  get ack(): SipRequest | undefined {
    return this.#ack;
  }

  /** True once a CANCEL for this INVITE went out. */
  get cancelSent(): boolean {
    return this.#cancelSent;
  }

  start(): void {
    // "Calling": the INVITE goes to the transport. Over an unreliable transport Timer A (T1)
    // governs retransmissions; over any transport Timer B (64*T1) bounds the wait for a response.
    this.transmit(this.request, this.destination);
    if (this.timers.A !== undefined) {
      this.#intervalA = this.timers.A;
      this.startTimer('A', this.#intervalA, () => this.#timerA());
    }
    this.startTimer('B', this.timers.B, () => this.#timerB());
  }

  /** Timer A: retransmit, and double the interval. Unlike E and G it is not capped at T2. */
  #timerA(): void {
    if (this.state !== TransactionState.Calling) return;
    this.transmit(this.request, this.destination);
    this.#intervalA *= 2;
    this.startTimer('A', this.#intervalA, () => this.#timerA());
  }

  /** Timer B in "Calling": the TU is told of the timeout (a 408) and the transaction ends. */
  #timerB(): void {
    if (this.state === TransactionState.Calling) this.timeout();
  }

  receiveResponse(response: SipResponse): void {
    const status = response.status;
    switch (this.state) {
      case TransactionState.Calling:
      case TransactionState.Proceeding:
        if (status < 200) {
          // A provisional response moves "Calling" to "Proceeding" (no more retransmissions, and
          // Timer B no longer applies) and goes to the TU.
          this.stopTimer('A');
          this.stopTimer('B');
          this.transition(TransactionState.Proceeding);
          this.toUser(response);
          this.#firePendingCancel();
        } else if (status < 300) {
          // RFC 6026: a 2xx moves to "Accepted" and goes to the TU, which sends the ACK itself;
          // Timer M keeps the transaction alive to pass on retransmitted 2xx.
          this.#enterFinal();
          this.transition(TransactionState.Accepted);
          this.startTimer('M', this.timers.M, () => this.terminate());
          this.toUser(response);
        } else {
          // A 300-699 moves to "Completed": the transaction ACKs it, the TU gets it, and Timer D
          // (32 s unreliable, zero reliable) waits out retransmissions of the response.
          this.#enterFinal();
          this.transition(TransactionState.Completed);
          this.#ack = createAckForNon2xx(this.request, response);
          this.transmit(this.#ack, this.destination);
          this.toUser(response);
          this.after('D', this.timers.D, () => this.terminate());
        }
        return;
      case TransactionState.Accepted:
        // RFC 6026 §7.2: every 2xx in "Accepted" goes to the TU; anything else is dropped.
        if (status >= 200 && status < 300) this.toUser(response);
        return;
      case TransactionState.Completed:
        // A retransmitted final response is answered with the ACK again, and not passed up.
        if (status >= 300 && this.#ack) this.transmit(this.#ack, this.destination);
        return;
      default:
        return;
    }
  }

  /**
   * §9.1: a CANCEL is sent only once a provisional response has arrived. `send` runs now in
   * "Proceeding", or later on the first provisional when still "Calling"; never once a final
   * response has arrived. Returns false when it will never run.
   */
  requestCancel(send: () => void): boolean {
    if (this.#cancelSent || this.#pendingCancel) return true;
    if (this.state === TransactionState.Proceeding) {
      this.#runCancel(send);
      return true;
    }
    if (this.state === TransactionState.Calling) {
      this.#pendingCancel = send;
      return true;
    }
    return false;
  }

  #firePendingCancel(): void {
    const send = this.#pendingCancel;
    this.#pendingCancel = undefined;
    if (send && !this.isTerminated) this.#runCancel(send);
  }

  #runCancel(send: () => void): void {
    this.#cancelSent = true;
    send();
    // §9.1: with no final response 64*T1 after the CANCEL, the INVITE is considered cancelled.
    this.startTimer('CancelGuard', 64 * this.timers.T1, () => {
      if (this.state !== TransactionState.Proceeding) return;
      this.log.info('no final response after CANCEL; INVITE considered cancelled', { tx: this.id });
      this.toUser(LocalResponse.cancelTimeout(this.request));
      this.terminate();
    });
  }

  #enterFinal(): void {
    this.stopTimer('A');
    this.stopTimer('B');
    this.stopTimer('CancelGuard');
    this.#pendingCancel = undefined;
  }

  protected transportError(error: Error): void {
    // §17.1.1.2: a transport error in "Calling" (or while the ACK is sent) ends the transaction;
    // the TU sees a 503 (§8.1.3.1) unless it already has a final response.
    const hadFinal = this.state === TransactionState.Completed || this.state === TransactionState.Accepted;
    if (!hadFinal) this.toUser(LocalResponse.transportError(this.request, error));
    this.terminate();
  }
}
