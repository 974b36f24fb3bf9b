// The UAS core's 2xx retransmissions (RFC 3261 §13.3.1.4). The INVITE server transaction sends a
// 2xx once (RFC 6026: it never retransmits one itself), so until the ACK arrives the UAS core passes
// the 2xx to the transport again: first after T1, the interval doubling up to T2. This is done even
// over reliable transports, since the 2xx travels end to end and a later hop may be UDP. After 64*T1
// without an ACK it gives up; the dialog is then to be ended with a BYE.
import type { Clock, TimerHandle } from '../../lib/clock.ts';
import type { Logger } from '../../lib/log.ts';
import type { SipResponse } from '../message/index.ts';
import type { Destination } from '../transport/types.ts';

export interface Uas2xxRetransmitterOptions {
  response: SipResponse;
  destination: Destination;
  clock: Clock;
  logger: Logger;
  T1: number;
  T2: number;
  send(response: SipResponse, destination: Destination): Promise<void>;
  /** 64*T1 passed without an ACK. */
  onGiveUp(): void;
}

export class Uas2xxRetransmitter {
  readonly response: SipResponse;
  readonly #o: Uas2xxRetransmitterOptions;
  #interval: number;
  #retransmitTimer: TimerHandle | undefined;
  #giveUpTimer: TimerHandle | undefined;
  #retransmissions = 0;
  #state: 'idle' | 'running' | 'acked' | 'gave-up' | 'stopped' = 'idle';

  constructor(options: Uas2xxRetransmitterOptions) {
    this.#o = options;
    this.response = options.response;
    this.#interval = options.T1;
  }

  get state(): 'idle' | 'running' | 'acked' | 'gave-up' | 'stopped' {
    return this.#state;
  }

  get active(): boolean {
    return this.#state === 'running';
  }

  /** How many times the 2xx was sent again. */
  get retransmissions(): number {
    return this.#retransmissions;
  }

  /** Starts the schedule; the 2xx itself was just sent (by the INVITE server transaction). */
  start(): void {
    if (this.#state !== 'idle') return;
    this.#state = 'running';
    // The give-up timer is set first so that, at 64*T1, it wins over a retransmission due then.
    this.#giveUpTimer = this.#o.clock.setTimeout(() => {
      this.#giveUpTimer = undefined;
      if (this.#state !== 'running') return;
      this.#stopTimers();
      this.#state = 'gave-up';
      this.#o.logger.warn('2xx never acknowledged; the session should be ended with BYE', {
        callId: this.response.callId,
        retransmissions: this.#retransmissions,
      });
      this.#o.onGiveUp();
    }, 64 * this.#o.T1);
    this.#schedule();
  }

  /** The ACK arrived: retransmissions cease. */
  ackReceived(): void {
    if (this.#state !== 'running') return;
    this.#stopTimers();
    this.#state = 'acked';
  }

  /** Stops without a verdict (shutdown). */
  stop(): void {
    if (this.#state !== 'running' && this.#state !== 'idle') return;
    this.#stopTimers();
    this.#state = 'stopped';
  }

  #schedule(): void {
    this.#retransmitTimer = this.#o.clock.setTimeout(() => {
      this.#retransmitTimer = undefined;
      if (this.#state !== 'running') return;
      this.#retransmissions++;
      this.#o.send(this.response, this.#o.destination).catch((e: unknown) =>
        this.#o.logger.info('2xx retransmission not sent', { err: e instanceof Error ? e.message : String(e) }),
      );
      this.#interval = Math.min(2 * this.#interval, this.#o.T2);
      this.#schedule();
    }, this.#interval);
  }

  #stopTimers(): void {
    this.#o.clock.clearTimeout(this.#retransmitTimer);
    this.#o.clock.clearTimeout(this.#giveUpTimer);
    this.#retransmitTimer = this.#giveUpTimer = undefined;
  }
}
