// The transaction layer (RFC 3261 §17): the tables of client and server transactions, the matching
// of what the transport receives (§17.1.3, §17.2.3), and the UAS core's 2xx retransmissions
// (§13.3.1.4) that RFC 6026 keeps outside the INVITE server transaction.
import { systemClock, type Clock } from '../../lib/clock.ts';
import { silentLogger, type Logger } from '../../lib/log.ts';
import { isRfc3261Branch, type SipMessage, type SipRequest, type SipResponse } from '../message/index.ts';
import { isReliable, type Destination, type Source } from '../transport/types.ts';
import { createCancel } from './cancel-request.ts';
import type { ClientTransaction } from './client-transaction.ts';
import { InviteClientTransaction } from './invite-client-transaction.ts';
import { InviteServerTransaction, type InviteServerContext } from './invite-server-transaction.ts';
import { NonInviteClientTransaction } from './non-invite-client-transaction.ts';
import { NonInviteServerTransaction } from './non-invite-server-transaction.ts';
import type { ServerTransaction } from './server-transaction.ts';
import { resolveTimers, timerValues, type TimerValues, type TransactionTimerConfig } from './timers.ts';
import type { Transaction } from './transaction.ts';
import { clientKey, clientKeyOfResponse, dialogAckKey, mergeKey, serverKey } from './transaction-keys.ts';
import { TransactionState } from './transaction-state.ts';
import type { TransactionTransport } from './transaction-transport.ts';
import type { ClientTransactionUser, TransactionUser } from './transaction-user.ts';
import { Uas2xxRetransmitter } from './uas-2xx-retransmitter.ts';

export interface TransactionLayerOptions {
  transport: TransactionTransport;
  user: TransactionUser;
  clock?: Clock;
  logger?: Logger;
  /** T1, T2, T4, Timer D and the 100 Trying delay; validated (a bad value throws a ZodError). */
  timers?: Partial<TransactionTimerConfig>;
  /**
   * §8.2.2.2: a request without To tag whose From tag, Call-ID and CSeq equal those of a live server
   * transaction it does not match (it came by another path) is answered 482 Loop Detected here,
   * without reaching the TU. Default true.
   */
  rejectMergedRequests?: boolean;
  /** §13.3.1.4: retransmit 2xx to INVITE until the ACK. Default true. */
  retransmit2xx?: boolean;
}

export interface TransactionCounts {
  inviteClient: number;
  nonInviteClient: number;
  inviteServer: number;
  nonInviteServer: number;
  /** 2xx responses retransmitted until their ACK (§13.3.1.4). */
  retransmitting2xx: number;
}

export class TransactionLayer {
  readonly config: TransactionTimerConfig;
  readonly #transport: TransactionTransport;
  readonly #user: TransactionUser;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #rejectMerged: boolean;
  readonly #retransmit2xx: boolean;
  readonly #clients = new Map<string, ClientTransaction>();
  readonly #servers = new Map<string, ServerTransaction>();
  /** §8.2.2.2: live server transactions by From tag, Call-ID and CSeq. */
  readonly #merge = new Map<string, ServerTransaction>();
  /** §13.3.1.4: 2xx being retransmitted, by the key their ACK will carry. */
  readonly #pending2xx = new Map<string, Uas2xxRetransmitter>();
  /** Stream connections held by live transactions (server: the request's; client: the responses'). */
  readonly #holds = new Map<Transaction, () => void>();
  readonly #timerValues: { reliable: TimerValues; unreliable: TimerValues };
  readonly #ctx: InviteServerContext;
  readonly #unsubscribe: () => void;
  #closed = false;

  constructor(opts: TransactionLayerOptions) {
    this.config = resolveTimers(opts.timers);
    this.#transport = opts.transport;
    this.#user = opts.user;
    this.#clock = opts.clock ?? systemClock;
    this.#logger = (opts.logger ?? silentLogger).child('transaction');
    this.#rejectMerged = opts.rejectMergedRequests ?? true;
    this.#retransmit2xx = opts.retransmit2xx ?? true;
    this.#timerValues = { reliable: timerValues(this.config, true), unreliable: timerValues(this.config, false) };
    this.#ctx = {
      clock: this.#clock,
      logger: this.#logger,
      config: this.config,
      send: (m, d) => this.#transport.send(m, d),
      sendOr: (m, d, onError) => {
        const t = this.#transport;
        if (t.sendOr) t.sendOr(m, d, onError);
        else t.send(m, d).catch(onError);
      },
      terminated: (tx) => this.#terminated(tx),
      accepted: (tx, res) => this.#accepted(tx, res),
    };
    this.#unsubscribe = this.#transport.onMessage((m, s) => this.receive(m, s));
  }

  // ---- counts, for leak tests and metrics ----

  /** Live transactions, client and server. */
  size(): number {
    return this.#clients.size + this.#servers.size;
  }

  counts(): TransactionCounts {
    const c: TransactionCounts = { inviteClient: 0, nonInviteClient: 0, inviteServer: 0, nonInviteServer: 0, retransmitting2xx: this.#pending2xx.size };
    for (const tx of this.#clients.values()) {
      if (tx.kind === 'invite-client') c.inviteClient++;
      else c.nonInviteClient++;
    }
    for (const tx of this.#servers.values()) {
      if (tx.kind === 'invite-server') c.inviteServer++;
      else c.nonInviteServer++;
    }
    return c;
  }

  // ---- client side ----

  /**
   * Starts a client transaction (§17.1): adds our top Via through the transport (§18.1.1) unless the
   * request already has one with an RFC 3261 branch (a CANCEL built by createCancel), sends, and
   * runs the timers. An INVITE gets an INVITE client transaction, anything else but ACK a non-INVITE
   * one. Responses, a timeout (408) and transport errors (503) reach `user.onResponse`.
   */
  sendRequest(request: SipRequest, destination: Destination, user: ClientTransactionUser = {}): ClientTransaction {
    if (this.#closed) throw new Error('the transaction layer is closed');
    if (request.method === 'ACK') {
      throw new TypeError('an ACK has no client transaction: use sendAck for the ACK of a 2xx (the INVITE transaction ACKs a non-2xx)');
    }
    let dest = destination;
    if (!request.headers.has('via')) dest = this.#transport.prepareRequest(request, destination);
    const branch = request.topVia?.branch;
    if (!isRfc3261Branch(branch)) throw new TypeError('the top Via of a request we send must carry an RFC 3261 branch');
    const id = clientKey(branch!, request.method);
    if (this.#clients.has(id)) throw new Error(`a client transaction with branch ${branch} and method ${request.method} exists`);
    const reliable = isReliable(dest.transport);
    const init = {
      id,
      request,
      destination: dest,
      branch: branch!,
      reliable,
      timers: reliable ? this.#timerValues.reliable : this.#timerValues.unreliable,
      ctx: this.#ctx,
      user,
    };
    const tx =
      request.method === 'INVITE'
        ? new InviteClientTransaction({ ...init, state: TransactionState.Calling })
        : new NonInviteClientTransaction({ ...init, state: TransactionState.Trying });
    this.#clients.set(id, tx);
    tx.start();
    return tx;
  }

  /**
   * §9.1: CANCELs a pending INVITE. The CANCEL (same branch as the INVITE, its own non-INVITE
   * transaction) goes out once the INVITE has had a provisional response: now in "Proceeding",
   * on the first provisional while "Calling", never after a final response. The INVITE's 487 (or
   * 200, should it cross the CANCEL) comes through the INVITE's own callbacks. Returns false when
   * the INVITE is past cancelling.
   */
  cancel(invite: InviteClientTransaction, user: ClientTransactionUser = {}): boolean {
    return invite.requestCancel(() => {
      if (this.#closed || invite.isTerminated) return;
      this.sendRequest(createCancel(invite.request), invite.destination, user);
    });
  }

  /**
   * §13.2.2.4: the ACK for a 2xx is a transaction of its own that the UAC core sends straight to the
   * transport, with a fresh branch. Keep the ACK, and send the same one for each retransmitted 2xx.
   */
  sendAck(ack: SipRequest, destination: Destination): Promise<void> {
    if (ack.method !== 'ACK') return Promise.reject(new TypeError(`sendAck sends ACK, not ${ack.method}`));
    const dest = ack.headers.has('via') ? destination : this.#transport.prepareRequest(ack, destination);
    return this.#transport.send(ack, dest);
  }

  // ---- server side ----

  /**
   * §9.2: the INVITE server transaction a CANCEL cancels: the §17.2.3 match with method INVITE.
   * Undefined when there is none (the UAS answers the CANCEL 481).
   */
  findInviteForCancel(cancel: SipRequest): InviteServerTransaction | undefined {
    const key = serverKey(cancel, 'INVITE');
    const tx = key === undefined ? undefined : this.#servers.get(key);
    return tx instanceof InviteServerTransaction ? tx : undefined;
  }

  // ---- receiving ----

  /** A message from the transport. Never throws. */
  receive(message: SipMessage, source: Source): void {
    if (this.#closed) return;
    try {
      if (message.kind === 'response') this.#receiveResponse(message, source);
      else this.#receiveRequest(message, source);
    } catch (e) {
      this.#logger.error('transaction layer failed on a message', { err: e instanceof Error ? e.message : String(e) });
    }
  }

  #receiveResponse(res: SipResponse, source: Source): void {
    // §17.1.3: the branch of the top Via and the CSeq method.
    const key = clientKeyOfResponse(res);
    const tx = key === undefined ? undefined : this.#clients.get(key);
    if (tx) {
      // The connection responses arrive on stays open while the transaction lives (a long-ringing
      // INVITE sends nothing between its 180 and its 200).
      if (source.connectionId !== undefined && this.#transport.hold && !this.#holds.has(tx) && !tx.isTerminated) {
        this.#holds.set(tx, this.#transport.hold(source));
      }
      tx.receiveResponse(res);
      return;
    }
    this.#logger.debug('stray response', { status: res.status, callId: res.callId });
    this.#callUser('onStrayResponse', () => this.#user.onStrayResponse?.(res, source));
  }

  #receiveRequest(req: SipRequest, source: Source): void {
    const key = serverKey(req);
    if (key === undefined) {
      this.#logger.info('request without the fields to match a transaction dropped', { method: req.method });
      return;
    }
    const existing = this.#servers.get(key);
    if (req.method === 'ACK') {
      // §17.2.3: an ACK matches the INVITE. A non-2xx's ACK is absorbed by the transaction; a 2xx's
      // ACK (matching in "Accepted", or not at all since it has a branch of its own) is the TU's.
      if (existing instanceof InviteServerTransaction && !existing.receiveAck(req)) return;
      this.#ackForUser(req, source);
      return;
    }
    if (existing) {
      // A retransmission: the transaction answers or absorbs it.
      existing.receiveRequest(req);
      return;
    }
    const mk = mergeKey(req);
    if (this.#rejectMerged && mk !== undefined && req.to?.tag === undefined) {
      const other = this.#merge.get(mk);
      if (other && !other.isTerminated) {
        // §8.2.2.2: the same request arriving by another path: 482, through a transaction of its own.
        this.#logger.info('merged request answered 482', { method: req.method, callId: req.callId });
        const tx = this.#createServer(req, source, key, undefined);
        tx.reply(482, 'Loop Detected');
        return;
      }
    }
    const tx = this.#createServer(req, source, key, mk);
    try {
      this.#user.onRequest(tx, source);
    } catch (e) {
      this.#logger.error('transaction user threw', { callback: 'onRequest', method: req.method, err: e instanceof Error ? e.message : String(e) });
      // A TU that threw must not leave the client waiting: a 500 unless a final response went out.
      if (tx.state === TransactionState.Trying || tx.state === TransactionState.Proceeding) tx.reply(500);
    }
  }

  #createServer(req: SipRequest, source: Source, key: string, mk: string | undefined): ServerTransaction {
    const reliable = isReliable(source.transport);
    const init = {
      id: key,
      request: req,
      source,
      responseDestination: this.#transport.responseDestination(req, source),
      reliable,
      timers: reliable ? this.#timerValues.reliable : this.#timerValues.unreliable,
      ctx: this.#ctx,
    };
    const tx =
      req.method === 'INVITE'
        ? new InviteServerTransaction({ ...init, state: TransactionState.Proceeding })
        : new NonInviteServerTransaction({ ...init, state: TransactionState.Trying });
    this.#servers.set(key, tx);
    if (mk !== undefined && !this.#merge.has(mk)) this.#merge.set(mk, tx);
    if (source.connectionId !== undefined && this.#transport.hold) this.#holds.set(tx, this.#transport.hold(source));
    tx.start();
    return tx;
  }

  /** An ACK for a 2xx: retransmissions of that 2xx cease, and the TU gets the ACK. */
  #ackForUser(ack: SipRequest, source: Source): void {
    const key = dialogAckKey(ack);
    const r = key === undefined ? undefined : this.#pending2xx.get(key);
    if (r) {
      r.ackReceived();
      this.#pending2xx.delete(key!);
    }
    this.#callUser('onAck', () => this.#user.onAck?.(ack, source));
  }

  /** §13.3.1.4: the UAS core retransmits the 2xx until its ACK. */
  #accepted(tx: InviteServerTransaction, response: SipResponse): void {
    if (!this.#retransmit2xx) return;
    const key = dialogAckKey(response);
    if (key === undefined || this.#pending2xx.has(key)) return;
    const r = new Uas2xxRetransmitter({
      response,
      destination: tx.responseDestination,
      clock: this.#clock,
      logger: this.#logger,
      T1: this.config.T1,
      T2: this.config.T2,
      send: (m, d) => this.#transport.send(m, d),
      onGiveUp: () => {
        if (this.#pending2xx.get(key) === r) this.#pending2xx.delete(key);
        this.#callUser('onNoAck', () => tx.user.onNoAck?.(response, tx));
      },
    });
    this.#pending2xx.set(key, r);
    r.start();
  }

  #terminated(tx: Transaction): void {
    if (tx.kind === 'invite-client' || tx.kind === 'non-invite-client') {
      if (this.#clients.get(tx.id) === tx) this.#clients.delete(tx.id);
    } else {
      if (this.#servers.get(tx.id) === tx) this.#servers.delete(tx.id);
      const mk = mergeKey(tx.request);
      if (mk !== undefined && this.#merge.get(mk) === tx) this.#merge.delete(mk);
    }
    const release = this.#holds.get(tx);
    if (release) {
      this.#holds.delete(tx);
      release();
    }
  }

  #callUser(what: string, fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.#logger.error('transaction user threw', { callback: what, err: e instanceof Error ? e.message : String(e) });
    }
  }

  /** Ends every transaction and retransmission (their timers with them) and stops listening. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#unsubscribe();
    for (const r of this.#pending2xx.values()) r.stop();
    this.#pending2xx.clear();
    for (const tx of [...this.#clients.values(), ...this.#servers.values()]) tx.dispose();
  }
}
