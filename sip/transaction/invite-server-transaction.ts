// The INVITE server transaction (RFC 3261 §17.2.1, Figure 7, as amended by RFC 6026 §7.1, §8.5-8.7).
import { createResponse, type SipRequest, type SipResponse } from '../message/index.ts';
import { ServerTransaction } from './server-transaction.ts';
import type { TransactionContext } from './transaction.ts';
import { TransactionKind, TransactionState } from './transaction-state.ts';

/** The layer's part in a 2xx: the UAS core's retransmissions until the ACK (§13.3.1.4). */
export interface InviteServerContext extends TransactionContext {
  accepted(tx: InviteServerTransaction, response: SipResponse): void;
}

export class InviteServerTransaction extends ServerTransaction {
  readonly kind = TransactionKind.InviteServer;
  declare protected readonly ctx: InviteServerContext;
  #lastProvisional: SipResponse | undefined;
  #final: SipResponse | undefined;
  #intervalG = 0;

  /** The final response sent, once there is one. */
  get finalResponse(): SipResponse | undefined {
    return this.#final;
  }

  start(): void {
    // "Proceeding": a 100 Trying goes out unless the TU answers within 200 ms, to quench the
    // client's retransmissions quickly.
    const delay = this.ctx.config.trying100Ms;
    if (delay <= 0) this.#sendTrying();
    else this.startTimer('Trying', delay, () => this.#sendTrying());
  }

  #sendTrying(): void {
    if (this.state !== TransactionState.Proceeding || this.#lastProvisional) return;
    // §17.2.1: a To tag in the 100 is downgraded to SHOULD NOT.
    this.#provisional(createResponse(this.request, 100));
  }

  #provisional(response: SipResponse): void {
    this.stopTimer('Trying');
    this.#lastProvisional = response;
    this.sendResponse(response);
  }

  respond(response: SipResponse): boolean {
    const status = response.status;
    if (this.state === TransactionState.Proceeding) {
      if (status < 200) {
        // Provisional responses from the TU go out as they come, unreliably, with no state change.
        this.#provisional(response);
      } else if (status < 300) {
        // RFC 6026: a 2xx moves to "Accepted"; the UAS core retransmits it until the ACK
        // (§13.3.1.4), and Timer L keeps the transaction to absorb retransmitted INVITEs.
        this.stopTimer('Trying');
        this.#final = response;
        this.transition(TransactionState.Accepted);
        this.sendResponse(response);
        this.ctx.accepted(this, response);
        this.startTimer('L', this.timers.L, () => this.terminate());
      } else {
        // A 300-699 moves to "Completed": Timer G retransmits it over unreliable transports, Timer H
        // bounds the wait for the ACK.
        this.stopTimer('Trying');
        this.#final = response;
        this.transition(TransactionState.Completed);
        this.sendResponse(response);
        if (this.timers.G !== undefined) {
          this.#intervalG = this.timers.G;
          this.startTimer('G', this.#intervalG, () => this.#timerG());
        }
        this.startTimer('H', this.timers.H, () => this.#timerH());
      }
      return true;
    }
    if (this.state === TransactionState.Accepted && status >= 200 && status < 300) {
      // RFC 6026 §8.6: 2xx retransmissions from the TU go to the transport.
      this.sendResponse(response);
      return true;
    }
    this.log.warn('response refused by the INVITE server transaction', { tx: this.id, state: this.state, status });
    return false;
  }

  /** Timer G: retransmit the final response; the interval doubles up to T2. */
  #timerG(): void {
    if (this.state !== TransactionState.Completed || !this.#final) return;
    this.sendResponse(this.#final);
    this.#intervalG = Math.min(2 * this.#intervalG, this.timers.T2);
    this.startTimer('G', this.#intervalG, () => this.#timerG());
  }

  /** Timer H: the ACK never came. The TU is told, and the transaction ends. */
  #timerH(): void {
    if (this.state !== TransactionState.Completed) return;
    this.log.info('no ACK for a non-2xx final response (Timer H)', { tx: this.id });
    this.callUser('onTimeout', () => this.user.onTimeout?.(this));
    this.terminate();
  }

  receiveRequest(_request: SipRequest): void {
    switch (this.state) {
      case TransactionState.Proceeding:
        // A retransmitted INVITE gets the most recent provisional response again; if none was
        // sent yet, the 100 Trying goes now rather than at 200 ms.
        if (this.#lastProvisional) this.sendResponse(this.#lastProvisional);
        else this.#sendTrying();
        return;
      case TransactionState.Completed:
        // ... and in "Completed" the final response again.
        if (this.#final) this.sendResponse(this.#final);
        return;
      default:
        // RFC 6026 §8.7: "Accepted" absorbs retransmitted INVITEs; so does "Confirmed".
        return;
    }
  }

  /**
   * An ACK matched to this transaction. Returns true when it belongs to the TU: in "Accepted" it
   * acknowledges the 2xx (RFC 6026 §8.7). In "Completed" it moves to "Confirmed", where Timer I
   * (T4 unreliable, zero reliable) absorbs ACK retransmissions.
   */
  receiveAck(_ack: SipRequest): boolean {
    switch (this.state) {
      case TransactionState.Accepted:
        return true;
      case TransactionState.Completed:
        this.stopTimer('G');
        this.stopTimer('H');
        this.transition(TransactionState.Confirmed);
        this.after('I', this.timers.I, () => this.terminate());
        return false;
      default:
        return false;
    }
  }
}
