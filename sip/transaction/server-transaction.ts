// What both server transactions share (RFC 3261 §17.2): where responses go (§18.2.2, worked out once
// when the request arrived), the To tag of the TU's responses, and the TU's callbacks.
import { createResponse, generateTag, type ResponseOptions, type SipRequest, type SipResponse } from '../message/index.ts';
import type { Destination, Source } from '../transport/types.ts';
import type { TimerValues } from './timers.ts';
import { Transaction, type TransactionContext } from './transaction.ts';
import type { TransactionState } from './transaction-state.ts';
import type { ServerTransactionUser } from './transaction-user.ts';

export abstract class ServerTransaction extends Transaction {
  /** Where the request came from. */
  readonly source: Source;
  /** Where responses go (§18.2.2, RFC 3581 §4). */
  readonly responseDestination: Destination;
  /** The TU's callbacks; set them in TransactionUser.onRequest. */
  user: ServerTransactionUser = {};
  #lastResponse: SipResponse | undefined;
  #toTag: string | undefined;

  constructor(opts: {
    id: string;
    request: SipRequest;
    source: Source;
    responseDestination: Destination;
    reliable: boolean;
    timers: TimerValues;
    ctx: TransactionContext;
    state: TransactionState;
  }) {
    super(opts);
    this.source = opts.source;
    this.responseDestination = opts.responseDestination;
  }

  /** Starts the transaction's own timers (the INVITE server's 100 Trying). Called once, by the layer. */
  abstract start(): void;

  /**
   * Sends a response of the TU through the transaction. Returns false (and sends nothing) when the
   * state does not allow it: a second final response, a provisional after the final one, or any
   * response once terminated.
   */
  abstract respond(response: SipResponse): boolean;

  /** A retransmission of the request (§17.2.3 matched it here). */
  abstract receiveRequest(request: SipRequest): void;

  /**
   * Builds and sends a response (createResponse). Responses other than 100 get the To tag of this
   * transaction (§8.2.6.2) unless the request had one or options give another, so a 180 and the
   * 200 after it carry the same tag.
   */
  reply(status: number, reason?: string, options: ResponseOptions = {}): boolean {
    const opts = status === 100 || options.toTag !== undefined ? options : { ...options, toTag: this.toTag };
    return this.respond(createResponse(this.request, status, reason, opts));
  }

  /** The To tag this transaction's responses get when the request had none (generated once). */
  get toTag(): string {
    return (this.#toTag ??= generateTag());
  }

  /** The most recent response sent. */
  get lastResponse(): SipResponse | undefined {
    return this.#lastResponse;
  }

  protected sendResponse(response: SipResponse): void {
    this.#lastResponse = response;
    this.transmit(response, this.responseDestination);
  }

  protected transportError(error: Error): void {
    // §17.2.4: the TU is informed and the transaction ends.
    this.callUser('onTransportError', () => this.user.onTransportError?.(error, this));
    this.terminate();
  }

  protected notifyTerminated(): void {
    this.callUser('onTerminated', () => this.user.onTerminated?.(this));
  }
}
