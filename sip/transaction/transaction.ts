// What every transaction shares (RFC 3261 §17): its request, its state, its named timers on the
// injected clock, and one way out. Entering Terminated stops every timer and drops the transaction
// from its table at once (§17.1.1.2: "destroyed the instant it enters the Terminated state").
import type { Clock, TimerHandle } from '../../lib/clock.ts';
import type { Logger } from '../../lib/log.ts';
import type { SipMessage, SipRequest } from '../message/index.ts';
import type { Destination } from '../transport/types.ts';
import type { TimerValues, TransactionTimerConfig } from './timers.ts';
import { TransactionState, type TransactionKind } from './transaction-state.ts';

/** The RFC's timer letters, plus the 200 ms 100-Trying timer (§17.2.1) and the CANCEL guard (§9.1). */
export type TimerName = 'A' | 'B' | 'D' | 'E' | 'F' | 'G' | 'H' | 'I' | 'J' | 'K' | 'L' | 'M' | 'Trying' | 'CancelGuard';

/** What a transaction needs from the layer that owns it. */
export interface TransactionContext {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly config: TransactionTimerConfig;
  send(message: SipMessage, destination: Destination): Promise<void>;
  /** send without a Promise per message: a failure calls `onError` after the call returns. */
  sendOr(message: SipMessage, destination: Destination, onError: (error: Error) => void): void;
  /** The transaction entered Terminated: take it out of the tables. */
  terminated(tx: Transaction): void;
}

export abstract class Transaction {
  abstract readonly kind: TransactionKind;
  /** The matching key (§17.1.3 / §17.2.3). */
  readonly id: string;
  /** The request that created the transaction. */
  readonly request: SipRequest;
  /** Over TCP: no retransmissions, and the timers that wait them out are zero. */
  readonly reliable: boolean;
  readonly timers: TimerValues;
  protected readonly ctx: TransactionContext;
  protected readonly log: Logger;
  #state: TransactionState;
  readonly #handles = new Map<TimerName, TimerHandle>();

  constructor(opts: {
    id: string;
    request: SipRequest;
    reliable: boolean;
    timers: TimerValues;
    ctx: TransactionContext;
    state: TransactionState;
  }) {
    this.id = opts.id;
    this.request = opts.request;
    this.reliable = opts.reliable;
    this.timers = opts.timers;
    this.ctx = opts.ctx;
    this.#state = opts.state;
    this.log = opts.ctx.logger;
  }

  get state(): TransactionState {
    return this.#state;
  }

  get isTerminated(): boolean {
    return this.#state === TransactionState.Terminated;
  }

  /** The timers running now, by name. */
  get runningTimers(): TimerName[] {
    return [...this.#handles.keys()];
  }

  /** The method of the request, e.g. for logs. */
  get method(): string {
    return this.request.method;
  }

  protected transition(to: TransactionState): void {
    if (this.#state === to) return;
    this.log.debug('transaction state', { tx: this.id, kind: this.kind, from: this.#state, to });
    this.#state = to;
  }

  /** (Re)starts a timer; it does not fire once the transaction is terminated. */
  protected startTimer(name: TimerName, ms: number, fire: () => void): void {
    this.stopTimer(name);
    const handle = this.ctx.clock.setTimeout(() => {
      this.#handles.delete(name);
      if (!this.isTerminated) fire();
    }, ms);
    this.#handles.set(name, handle);
  }

  protected stopTimer(name: TimerName): void {
    const h = this.#handles.get(name);
    if (h) {
      this.ctx.clock.clearTimeout(h);
      this.#handles.delete(name);
    }
  }

  /**
   * Runs `then` after `ms`, or at once when `ms` is zero: D, I, J and K are zero over reliable
   * transports, and the transaction then terminates without leaving a timer behind.
   */
  protected after(name: TimerName, ms: number, then: () => void): void {
    if (ms <= 0) then();
    else this.startTimer(name, ms, then);
  }

  /** Hands a message to the transport; a failure reaches transportError unless already terminated. */
  protected transmit(message: SipMessage, destination: Destination): void {
    this.ctx.sendOr(message, destination, (this.#onSendError ??= (e: unknown) => this.#sendFailed(e)));
  }

  /** One callback per transaction for the failures of all its sends. */
  #onSendError: ((e: unknown) => void) | undefined;

  #sendFailed(e: unknown): void {
    if (this.isTerminated) return;
    const err = e instanceof Error ? e : new Error(String(e));
    this.log.info('transport error', { tx: this.id, kind: this.kind, err: err.message });
    this.transportError(err);
  }

  /** §17.1.4, §17.2.4. */
  protected abstract transportError(error: Error): void;

  /** The TU is told the transaction is over. */
  protected abstract notifyTerminated(): void;

  protected terminate(): void {
    if (this.isTerminated) return;
    for (const h of this.#handles.values()) this.ctx.clock.clearTimeout(h);
    this.#handles.clear();
    this.transition(TransactionState.Terminated);
    this.ctx.terminated(this);
    this.notifyTerminated();
  }

  /** Ends the transaction at once (layer shutdown). The TU gets onTerminated and nothing else. */
  dispose(): void {
    this.terminate();
  }

  /** Calls into the TU; an exception there is logged, and the transaction goes on. */
  protected callUser(what: string, fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.log.error('transaction user threw', { tx: this.id, callback: what, err: e instanceof Error ? e.message : String(e) });
    }
  }
}
