// What both client transactions share (RFC 3261 §17.1): the destination every transmission of the
// transaction goes to, the TU's callbacks, and the synthesized responses of §8.1.3.1.
import type { SipRequest, SipResponse } from '../message/index.ts';
import type { Destination } from '../transport/types.ts';
import { LocalResponse } from './local-response.ts';
import type { TimerValues } from './timers.ts';
import { Transaction, type TransactionContext } from './transaction.ts';
import type { TransactionState } from './transaction-state.ts';
import type { ClientTransactionUser } from './transaction-user.ts';

export abstract class ClientTransaction extends Transaction {
  /** Where the request (its retransmissions, and an INVITE's ACK) goes. */
  readonly destination: Destination;
  /** The branch of the top Via (§8.1.1.7). */
  readonly branch: string;
  user: ClientTransactionUser;

  constructor(opts: {
    id: string;
    request: SipRequest;
    destination: Destination;
    branch: string;
    reliable: boolean;
    timers: TimerValues;
    ctx: TransactionContext;
    state: TransactionState;
    user: ClientTransactionUser;
  }) {
    super(opts);
    this.destination = opts.destination;
    this.branch = opts.branch;
    this.user = opts.user;
  }

  /** Sends the request and starts the timers. Called once, by the layer. */
  abstract start(): void;

  /** A response matched to this transaction (§17.1.3). */
  abstract receiveResponse(response: SipResponse): void;

  protected toUser(response: SipResponse): void {
    this.callUser('onResponse', () => this.user.onResponse?.(response, this));
  }

  /** Timer B or F: the TU sees a 408 (§8.1.3.1) and the transaction ends. */
  protected timeout(): void {
    this.log.info('client transaction timed out', { tx: this.id, method: this.method });
    this.toUser(LocalResponse.timeout(this.request));
    this.terminate();
  }

  protected notifyTerminated(): void {
    this.callUser('onTerminated', () => this.user.onTerminated?.(this));
  }
}
