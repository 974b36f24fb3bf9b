// The non-INVITE server transaction (RFC 3261 §17.2.2, Figure 8).
import type { SipRequest, SipResponse } from '../message/index.ts';
import { ServerTransaction } from './server-transaction.ts';
import { TransactionKind, TransactionState } from './transaction-state.ts';

export class NonInviteServerTransaction extends ServerTransaction {
  readonly kind = TransactionKind.NonInviteServer;
  #final: SipResponse | undefined;

  get finalResponse(): SipResponse | undefined {
    return this.#final;
  }

  start(): void {
    // "Trying": the request is with the TU; nothing is sent until it answers.
  }

  respond(response: SipResponse): boolean {
    if (this.state !== TransactionState.Trying && this.state !== TransactionState.Proceeding) {
      this.log.warn('response refused by the non-INVITE server transaction', { tx: this.id, state: this.state, status: response.status });
      return false;
    }
    if (response.status < 200) {
      // A provisional response from the TU: "Proceeding", sent.
      this.transition(TransactionState.Proceeding);
      this.sendResponse(response);
      return true;
    }
    // A final response: "Completed", sent; Timer J (64*T1 unreliable, zero reliable) keeps it to
    // answer request retransmissions.
    this.#final = response;
    this.transition(TransactionState.Completed);
    this.sendResponse(response);
    this.after('J', this.timers.J, () => this.terminate());
    return true;
  }

  receiveRequest(_request: SipRequest): void {
    // "Trying" absorbs retransmissions; "Proceeding" and "Completed" answer each one with the last
    // response sent.
    if (this.state === TransactionState.Proceeding || this.state === TransactionState.Completed) {
      const last = this.lastResponse;
      if (last) this.sendResponse(last);
    }
  }
}
