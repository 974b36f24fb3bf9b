// One B2B call (RFC 3261 §13–§15 on each leg, RFC 7092 §3 as a whole): the a leg, where we are the
// UAS of the caller's INVITE, and the b side, where we are the UAC of one INVITE per contact of the
// called account (the forks). The first 2xx wins; SDP is anchored on our relay (RFC 3264 through
// MediaAnchor); requests within the dialog are relayed leg to leg; BYE on either side ends both.
import type { Clock, TimerHandle } from '../lib/clock.ts';
import type { Logger } from '../lib/log.ts';
import type { Side } from '../media/relay-session.ts';
import type { CallEventBus, CallEventType } from '../events/call-events.ts';
import { DialogState, SipDialog, TARGET_REFRESH_METHODS, type DialogId } from '../sip/dialog/index.ts';
import { createRequest, formatNameAddr, generateTag, sipUri, type SipRequest, type SipResponse, type Uri } from '../sip/message/index.ts';
import type { SipAccount, SipDomain } from '../sip/registrar/index.ts';
import {
  InviteClientTransaction,
  LocalResponse,
  type ClientTransaction,
  type ClientTransactionUser,
  type InviteServerTransaction,
  type ServerTransaction,
  type TransactionLayer,
  TransactionKind,
} from '../sip/transaction/index.ts';
import type { Destination, Source, TransportLayer } from '../sip/transport/index.ts';
import type { CallStore } from '../store/call-store.ts';
import type { DialogOpts, DialogStatus, Participant } from '../store/dialog.ts';
import { bLegCallId } from '../store/ids.ts';
import { CallState, ForkState } from './b2b-call-state.ts';
import { B2bFork } from './b2b-fork.ts';
import { bestResponse } from './best-response.ts';
import { participantOf, storeUri, storedDialog, type BLegView } from './call-record.ts';
import type { DtmfLeg } from './dtmf-sender.ts';
import { causeOfFailure, type EndCause } from './end-cause.ts';
import type { ForkTarget } from './fork-target.ts';
import { SDP_CONTENT_TYPE, hasSdp, otherSide, sdpFailure, type MediaAnchor } from './media-anchor.ts';
import { ourContact } from './our-contact.ts';
import { RELAYED_REQUEST_HEADERS, RELAYED_RESPONSE_HEADERS, pickHeaders } from './relayed-headers.ts';
import { CAPABILITY_HEADERS, DIALOG_METHODS, KNOWN_METHODS, allow } from './sip-methods.ts';

/** A REFER received within a call, for the operations engine to take over later. */
export interface InDialogRefer {
  readonly dialogid: string;
  /** The leg it came on; the REFER asks to transfer the party on the other side. */
  readonly from: Side;
  readonly request: SipRequest;
  readonly tx: ServerTransaction;
}

/** Return true when the hook answered the REFER itself; false to relay it to the other leg. */
export type InDialogReferHook = (refer: InDialogRefer) => boolean;

/** What a call needs from the node and from the manager that owns it. */
export interface CallContext {
  readonly node: string;
  readonly site: string;
  readonly transactions: TransactionLayer;
  readonly transport: TransportLayer;
  readonly store: CallStore;
  readonly events: CallEventBus;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly noAnswerTimeoutMs: number;
  readonly onInDialogRefer: InDialogReferHook | undefined;
  /** In-dialog requests and ACKs for this dialog key come to this call, on this side. */
  bindDialog(key: string, call: B2bCall, side: Side, fork?: B2bFork): void;
  unbindDialog(key: string): void;
  /** A CANCEL matching this INVITE server transaction (§9.2) calls `onCancel`. */
  bindServerInvite(tx: ServerTransaction, onCancel: () => void): void;
  unbindServerInvite(tx: ServerTransaction): void;
  /** Responses of a b leg that no transaction takes any more (Timer M passed) come to this fork. */
  bindForkCallId(callId: string, call: B2bCall, fork: B2bFork): void;
  unbindForkCallId(callId: string): void;
  /** The call is over and out of the store. */
  ended(call: B2bCall): void;
}

export interface B2bCallInit {
  readonly dialogid: string;
  readonly inviteid: string;
  /** When the INVITE arrived (epoch ms). */
  readonly startts: number;
  /** The caller's INVITE (authenticated) and where it came from. */
  readonly tx: InviteServerTransaction;
  readonly source: Source;
  readonly domain: SipDomain;
  readonly caller: SipAccount;
  readonly callee: SipAccount;
  /** The user part the b legs are sent To (the number or login dialled, without feature code). */
  readonly dialled: string;
  /** Ask the called device to answer at once (the domain's intercom feature code). */
  readonly intercom: boolean;
  /** Max-Forwards of the b legs: the caller's minus one, so a loop through us runs out (RFC 7332). */
  readonly maxForwards: number;
  readonly anchor: MediaAnchor;
  /**
   * A's offer, already anchored and stamped for the b side; undefined for a late offer (an INVITE
   * without SDP, §13.2.1): the winning 2xx then brings B's offer and A's ACK the answer.
   */
  readonly offer: Buffer | undefined;
  readonly targets: readonly ForkTarget[];
  /** The stored `opts` to start with (a call a REFER of ours asked for: its labels and referrer). */
  readonly opts?: DialogOpts;
}

/** A confirmed leg of a call, as an INVITE that replaces it (RFC 3891) needs it. */
export interface CallLeg {
  readonly dialogid: string;
  readonly side: Side;
  /** Our view of the leg's dialog: Call-ID, our tag, the device's tag. */
  readonly id: DialogId;
  /** The device's Contact. */
  readonly remoteTarget: Uri;
  /** The device's own address on the leg (its From on an a leg, the To we sent on a b leg). */
  readonly remoteUri: Uri;
  /** Where the leg's requests go: the address and transport the leg uses. */
  readonly destination: Destination;
}

/** One leg's end of a confirmed dialog: what sending on that leg needs. */
interface LegEnd {
  readonly side: Side;
  readonly dialog: SipDialog;
  readonly destination: Destination;
}

/** An offer/answer exchange within the dialog (re-INVITE or UPDATE) being relayed from one leg to the other. */
interface OfferRelay {
  readonly from: Side;
  readonly method: 'INVITE' | 'UPDATE';
  readonly server: ServerTransaction;
  /** A re-INVITE without SDP: the far leg's 2xx brings an offer, the origin's ACK the answer (§14.1). */
  readonly offerless: boolean;
  readonly far: LegEnd;
  /** CSeq of the request sent on the far leg: its ACK carries it. */
  cseq: number;
  client: ClientTransaction | undefined;
  /** The 2xx went back to the origin. */
  answered: boolean;
  /** The ACK sent on the far leg, resent for each retransmitted 2xx. */
  farAck: SipRequest | undefined;
  done: boolean;
}

const INTERCOM_ALERT_INFO = '<http://127.0.0.1>;info=alert-autoanswer';

export class B2bCall {
  readonly dialogid: string;
  readonly inviteid: string;
  readonly acallid: string;
  readonly startts: number;
  readonly #ctx: CallContext;
  readonly #log: Logger;
  readonly #init: B2bCallInit;
  readonly #tx: InviteServerTransaction;
  readonly #aDialog: SipDialog;
  readonly #aDestination: Destination;
  readonly #aContact: string;
  readonly #aUris: { localuri: string; remoteuri: string };
  readonly #participants: Participant[];
  readonly #anchor: MediaAnchor;
  readonly #forks: B2bFork[] = [];
  /** Client transactions we started on the legs (BYE, relayed requests): the call ends after them. */
  readonly #pending = new Set<ClientTransaction>();
  /** Re-INVITEs relayed from a leg: their callbacks are let go with the call (#release). */
  readonly #relayedInvites = new Set<ServerTransaction>();
  #state: CallState = CallState.Forking;
  #winner: B2bFork | undefined;
  #aAcked = false;
  #rang = false;
  #lastProvisional = 0;
  #endCause: EndCause | undefined;
  #deadline = 0;
  #noAnswerTimer: TimerHandle | undefined;
  #offer: OfferRelay | undefined;
  readonly #finished: Promise<void>;
  #resolveFinished: () => void = () => {};

  constructor(ctx: CallContext, init: B2bCallInit) {
    this.#ctx = ctx;
    this.#init = init;
    this.dialogid = init.dialogid;
    this.inviteid = init.inviteid;
    this.startts = init.startts;
    this.#tx = init.tx;
    const req = init.tx.request;
    this.acallid = req.callId!;
    this.#anchor = init.anchor;
    this.#log = ctx.logger.child('call', { dialogid: init.dialogid, callid: this.acallid });
    const s = init.source;
    this.#aDestination = {
      transport: s.transport,
      host: s.host,
      port: s.port,
      transportId: s.transportId,
      ...(s.connectionId !== undefined && { connectionId: s.connectionId }),
    };
    this.#aContact = ourContact(ctx.transport, this.#aDestination);
    // §12.1.1: our tag on the a leg is the one every response of the INVITE transaction carries.
    this.#aDialog = SipDialog.fromRequest(req, { localTag: init.tx.toTag, localContact: this.#aContact });
    // The spec: for side a, localuri is the To of the received INVITE and remoteuri its From.
    this.#aUris = { localuri: storeUri(req.to!), remoteuri: storeUri(req.from!) };
    this.#participants = [participantOf(init.caller)];
    if (init.callee.id !== init.caller.id || init.callee.domain !== init.caller.domain) this.#participants.push(participantOf(init.callee));
    this.#finished = new Promise((r) => (this.#resolveFinished = r));
  }

  get state(): CallState {
    return this.#state;
  }

  /** Resolves when every leg is over and the call is out of the store. */
  get finished(): Promise<void> {
    return this.#finished;
  }

  /** The leg with this Call-ID while the call is answered (undefined otherwise). */
  legOf(callid: string): CallLeg | undefined {
    if (this.#state !== CallState.Dialog) return undefined;
    const leg = callid === this.acallid ? this.#leg('a') : this.#winner?.callId === callid ? this.#leg('b') : undefined;
    if (!leg || leg.dialog.state !== DialogState.Confirmed) return undefined;
    const d = leg.dialog;
    return { dialogid: this.dialogid, side: leg.side, id: d.id, remoteTarget: d.remoteTarget, remoteUri: d.remoteUri.uri, destination: leg.destination };
  }

  /** The device on a side while the call is answered, for the operations' DTMF (dtmf-sender.ts). */
  dtmfLeg(side: Side): DtmfLeg | undefined {
    const leg = this.#state === CallState.Dialog ? this.#leg(side) : undefined;
    if (!leg || leg.dialog.state === DialogState.Terminated) return undefined;
    return { session: this.#anchor.session, side, payloadType: this.#anchor.telephoneEvent(side), dialog: leg.dialog, destination: leg.destination };
  }

  /** The a dialog's key: how the manager finds the call for requests from the caller. */
  get aDialogKey(): string {
    return this.#aDialog.key;
  }

  // ---- start ----------------------------------------------------------------------------------

  /** Stores the call, publishes `start`, arms the no-answer timer and sends every fork. */
  start(): void {
    const ctx = this.#ctx;
    this.#tx.user = {
      // §13.3.1.4: a 2xx never acknowledged: the session is ended with BYE.
      onNoAck: () => this.#endBothLegs('no-ack'),
      onTransportError: () => this.#endBothLegs('error'),
    };
    ctx.bindDialog(this.#aDialog.key, this, 'a');
    ctx.bindServerInvite(this.#tx, () => this.#cancelledByCaller());
    this.#deadline = ctx.clock.now() + ctx.noAnswerTimeoutMs;
    this.#noAnswerTimer = ctx.clock.setTimeout(() => this.#noAnswer(), ctx.noAnswerTimeoutMs);
    this.#init.targets.forEach((t, i) => this.#createFork(i + 1, t));
    this.#log.info('call started', { from: this.#init.caller.login, to: this.#init.dialled, forks: this.#forks.length });
    this.#put();
    this.#publish('start');
    for (const fork of this.#forks) this.#sendFork(fork);
  }

  #createFork(index: number, target: ForkTarget): void {
    const { domain, caller, dialled, intercom } = this.#init;
    const callId = bLegCallId(this.#ctx.node, this.dialogid, index, this.acallid);
    const localTag = generateTag();
    // The caller's identity in our domain, whatever its From said: the authenticated account's number.
    const fromUri = sipUri({ user: caller.phonenumber, host: domain.name });
    const toUri = sipUri({ user: dialled, host: domain.name });
    const headers: [string, string][] = [allow(DIALOG_METHODS) as [string, string]];
    if (intercom) {
      headers.push(['Call-Info', `<sip:${domain.name}>;answer-after=0`]);
      headers.push(['Alert-Info', INTERCOM_ALERT_INFO]);
    }
    const request = createRequest({
      method: 'INVITE',
      uri: target.requestUri,
      from: formatNameAddr({ displayName: this.#tx.request.from?.displayName, uri: fromUri, params: new Map([['tag', localTag]]) }),
      to: formatNameAddr({ uri: toUri }),
      callId,
      cseq: 1,
      maxForwards: this.#init.maxForwards,
      contact: ourContact(this.#ctx.transport, target.destination),
      headers,
      ...(this.#init.offer !== undefined && { body: this.#init.offer, contentType: SDP_CONTENT_TYPE }),
    });
    const fork = new B2bFork({ index, callId, localTag, target, request, localuri: storeUri(fromUri), remoteuri: storeUri(toUri) });
    this.#forks.push(fork);
    this.#ctx.bindForkCallId(callId, this, fork);
  }

  #sendFork(fork: B2bFork): void {
    if (fork.settled) return;
    try {
      fork.tx = this.#ctx.transactions.sendRequest(fork.request, fork.target.destination, {
        onResponse: (res) => this.#onForkResponse(fork, res),
        onTerminated: () => this.#onForkTerminated(fork),
      }) as InviteClientTransaction;
    } catch (e) {
      this.#log.warn('fork not sent', { fork: fork.index, err: e instanceof Error ? e.message : String(e) });
      this.#forkFailed(fork, undefined);
    }
  }

  // ---- the forks' responses (RFC 3261 §13.2.2) ----------------------------------------------------

  #onForkResponse(fork: B2bFork, res: SipResponse): void {
    if (res.status < 200) this.#onForkProvisional(fork, res);
    else if (res.status < 300) this.#onFork2xx(fork, res);
    else this.#forkFailed(fork, res);
  }

  #onForkProvisional(fork: B2bFork, res: SipResponse): void {
    if (res.status === 100) return;
    // §12.1.2: a provisional with a To tag makes an early dialog on the fork.
    const tag = res.to?.tag;
    if (tag !== undefined && !fork.early.has(tag) && !fork.settled) {
      try {
        const d = SipDialog.fromResponse(fork.request, res);
        fork.early.set(tag, d);
        this.#ctx.bindDialog(d.key, this, 'b', fork);
      } catch (e) {
        this.#log.debug('provisional makes no early dialog', { fork: fork.index, err: e instanceof Error ? e.message : String(e) });
      }
    }
    const first = fork.state === ForkState.Calling;
    if (first) fork.state = ForkState.Ringing;
    if (this.#state !== CallState.Forking || fork.cancelled) return;
    // The caller hears the ringing: 18x relayed on the a leg, an early description anchored too.
    let body: Buffer | undefined;
    if (hasSdp(res)) {
      try {
        body = this.#anchor.relay('b', res.body);
      } catch (e) {
        this.#log.info('early media description not relayed', { fork: fork.index, err: e instanceof Error ? e.message : String(e) });
      }
    }
    if (body === undefined && res.status === this.#lastProvisional) return;
    this.#lastProvisional = res.status;
    this.#tx.reply(res.status, res.reason, {
      headers: [['Contact', this.#aContact]],
      copyRecordRoute: true,
      ...(body !== undefined && { body, contentType: SDP_CONTENT_TYPE }),
    });
    if (!this.#rang) {
      this.#rang = true;
      this.#publish('ring', { status: res.status });
    }
    if (first) this.#put();
  }

  #onFork2xx(fork: B2bFork, res: SipResponse): void {
    const tag = res.to?.tag ?? '';
    // §13.2.2.4: every retransmission of a 2xx we acknowledged gets the same ACK again.
    if (fork.dialog && fork.dialog.id.remoteTag === tag) {
      if (fork.ack) this.#sendAck(fork.ack, fork.destination);
      return;
    }
    const late = fork.lateAcks.get(tag);
    if (late) {
      this.#sendAck(late, fork.destination);
      return;
    }
    if (this.#state === CallState.Forking && !fork.cancelled && !this.#winner) this.#answer(fork, res);
    else this.#ackAndBye(fork, res);
  }

  /** The first 2xx: this fork is the b leg. ACK it, answer the caller, CANCEL the other forks. */
  #answer(fork: B2bFork, res: SipResponse): void {
    const tag = res.to?.tag ?? '';
    let dialog: SipDialog;
    try {
      const early = fork.early.get(tag);
      if (early) early.confirm(res);
      dialog = early ?? SipDialog.fromResponse(fork.request, res);
    } catch (e) {
      this.#log.warn('2xx without a usable dialog ignored', { fork: fork.index, err: e instanceof Error ? e.message : String(e) });
      return;
    }
    fork.dialog = dialog;
    fork.state = ForkState.Answered;
    this.#winner = fork;
    for (const d of fork.early.values()) if (d !== dialog) this.#ctx.unbindDialog(d.key);
    this.#ctx.bindDialog(dialog.key, this, 'b', fork);
    // §13.2.2.4: the UAC core ACKs the 2xx itself, end to end on this leg. With a late offer the
    // ACK must carry the answer, which only the caller's ACK brings: it waits until then.
    const lateOffer = this.#init.offer === undefined;
    if (!lateOffer) {
      fork.ack = dialog.createAck(fork.request.cseq!.seq);
      this.#sendAck(fork.ack, fork.destination);
    }
    this.#clearNoAnswer();
    // §16.7-like: once one fork answered, the others are cancelled.
    for (const f of this.#forks) if (f !== fork) this.#cancelFork(f);

    // §13.2.1: the 2xx carries the answer to our offer, or with a late offer B's offer.
    let body: Buffer;
    try {
      if (!hasSdp(res)) throw new Error('2xx without SDP');
      body = this.#anchor.relay('b', res.body);
    } catch (e) {
      const f = sdpFailure(e) ?? { status: 500, reason: 'Server Internal Error - No Usable Answer' };
      this.#log.warn('answer not usable; call ended', { fork: fork.index, err: e instanceof Error ? e.message : String(e) });
      this.#ackLateOffer();
      this.#tx.reply(f.status, f.reason);
      this.#state = CallState.Dialog;
      this.#aDialog.terminate();
      this.#bye('b');
      this.#end('error', f.status);
      return;
    }
    this.#tx.reply(200, res.reason, {
      headers: [['Contact', this.#aContact], allow(DIALOG_METHODS) as [string, string]],
      copyRecordRoute: true,
      body,
      contentType: SDP_CONTENT_TYPE,
    });
    this.#aDialog.confirm();
    this.#state = CallState.Dialog;
    this.#anchor.session.startMediaTimer();
    this.#log.info('call answered', { fork: fork.index });
    this.#put();
    this.#publish('answer', { status: res.status });
  }

  /**
   * A 2xx that does not win (another fork won, it crossed our CANCEL, or the call is ending): the
   * dialog it makes is acknowledged and ended with BYE at once, as a UAC must for a 2xx it does not
   * want (§13.2.2.4, §15).
   */
  #ackAndBye(fork: B2bFork, res: SipResponse): void {
    const bye = ackUnwanted2xx(fork, res, (ack) => this.#sendAck(ack, fork.destination));
    if (!bye) return;
    this.#send(bye, fork.destination);
    if (fork !== this.#winner && fork.state !== ForkState.Failed) {
      fork.state = ForkState.Failed;
      this.#forkSettled();
    }
    this.#log.info('late 2xx acknowledged and ended', { fork: fork.index });
  }

  #forkFailed(fork: B2bFork, res: SipResponse | undefined): void {
    if (fork.settled) return;
    fork.final = res;
    fork.state = ForkState.Failed;
    for (const d of fork.early.values()) {
      d.terminate();
      this.#ctx.unbindDialog(d.key);
    }
    fork.early.clear();
    this.#forkSettled();
  }

  #forkSettled(): void {
    if (this.#state === CallState.Forking) {
      if (this.#forks.every((f) => f.settled)) this.#allForksFailed();
      else this.#put();
    } else this.#maybeFinish();
  }

  #onForkTerminated(fork: B2bFork): void {
    // The transaction ended without a final response for the TU (the layer closed).
    if (!fork.settled) this.#forkFailed(fork, undefined);
  }

  #allForksFailed(): void {
    const best = bestResponse(this.#forks.flatMap((f) => (f.final ? [f.final] : [])));
    this.#tx.reply(best.status, best.reason);
    this.#log.info('every fork failed', { status: best.status });
    this.#end(causeOfFailure(best.status), best.status);
  }

  #cancelFork(fork: B2bFork): void {
    if (fork.settled || fork.cancelled) return;
    fork.cancelled = true;
    // §9.1: the CANCEL goes once a provisional came; a fork still silent is cancelled when it rings.
    if (fork.tx) this.#ctx.transactions.cancel(fork.tx);
  }

  #cancelForks(): void {
    for (const f of this.#forks) this.#cancelFork(f);
  }

  /** A response no transaction took any more: a 2xx retransmitted after Timer M. */
  onStrayResponse(fork: B2bFork, res: SipResponse): void {
    if (res.status >= 200 && res.status < 300 && res.cseq?.method === 'INVITE') this.#onFork2xx(fork, res);
  }

  // ---- the caller gives up, nobody answers ------------------------------------------------------

  /** §9.2: the caller CANCELled the INVITE. While it rings, every fork is cancelled and A gets 487. */
  #cancelledByCaller(): void {
    if (this.#state !== CallState.Forking) return;
    this.#log.info('caller cancelled');
    this.#cancelForks();
    this.#tx.reply(487);
    this.#end('cancel', 487);
  }

  #noAnswer(): void {
    this.#noAnswerTimer = undefined;
    if (this.#state !== CallState.Forking) return;
    this.#log.info('no answer in time', { ms: this.#ctx.noAnswerTimeoutMs });
    this.#cancelForks();
    this.#tx.reply(480, 'Temporarily Unavailable - No Answer');
    this.#end('noanswer', 480);
  }

  #clearNoAnswer(): void {
    this.#ctx.clock.clearTimeout(this.#noAnswerTimer);
    this.#noAnswerTimer = undefined;
  }

  // ---- requests within the dialog (§12.2.2) -------------------------------------------------------

  /** A request other than ACK and CANCEL within one of the call's dialogs. */
  onRequest(side: Side, fork: B2bFork | undefined, tx: ServerTransaction): void {
    const req = tx.request;
    const dialog = side === 'a' ? this.#aDialog : (fork?.dialog ?? fork?.early.get(req.from?.tag ?? ''));
    if (!dialog || dialog.state === DialogState.Terminated) {
      tx.reply(481);
      return;
    }
    // §12.2.2: a lower CSeq than the last is out of order.
    const check = dialog.checkRequest(req);
    if (!check.ok) {
      tx.reply(check.status, check.reason);
      return;
    }
    if (side === 'b' && (!fork || fork !== this.#winner || !fork.dialog)) {
      // An early dialog of a fork that did not win, or has not answered: nothing to relay it to.
      tx.reply(481);
      return;
    }
    switch (req.method) {
      case 'BYE':
        this.#onBye(side, tx);
        return;
      case 'INVITE':
      case 'UPDATE':
        this.#relayOffer(side, tx);
        return;
      case 'OPTIONS':
        tx.reply(200, undefined, { headers: CAPABILITY_HEADERS });
        return;
      case 'PRACK':
        // We never send reliable provisionals (RFC 3262): there is nothing a PRACK could match.
        tx.reply(481);
        return;
      case 'REFER':
        if (this.#ctx.onInDialogRefer?.({ dialogid: this.dialogid, from: side, request: req, tx })) return;
        this.#relay(side, tx);
        return;
      case 'INFO':
      case 'NOTIFY':
      case 'MESSAGE':
      case 'SUBSCRIBE':
        this.#relay(side, tx);
        return;
      default:
        // §8.2.1: 405 with Allow for a method we know but do not take here, 501 for one we do not know.
        if (KNOWN_METHODS.has(req.method)) tx.reply(405, undefined, { headers: [allow(DIALOG_METHODS)] });
        else tx.reply(501);
    }
  }

  /** §15.1.2: a BYE ends the dialog it came on; the B2BUA then ends the other leg too. */
  #onBye(side: Side, tx: ServerTransaction): void {
    tx.reply(200);
    const reason = pickHeaders(tx.request, ['Reason']);
    if (side === 'a') {
      this.#aDialog.terminate();
      if (this.#state === CallState.Forking) {
        // A BYE on the early dialog: the caller gives up like with CANCEL.
        this.#cancelForks();
        this.#tx.reply(487);
        this.#end('cancel', 487);
      } else if (this.#state === CallState.Dialog) {
        this.#bye('b', reason);
        this.#end('bye-a');
      }
    } else {
      this.#winner?.dialog?.terminate();
      if (this.#state === CallState.Dialog) {
        this.#bye('a', reason);
        this.#end('bye-b');
      }
    }
  }

  /** Whether a request within the dialog can be relayed now; answers it when not. */
  #canRelay(tx: ServerTransaction): boolean {
    if (this.#state === CallState.Dialog && this.#leg('b')) return true;
    if (this.#state === CallState.Forking) tx.reply(500, 'Server Internal Error - Not Answered Yet', { headers: [['Retry-After', '1']] });
    else tx.reply(481);
    return false;
  }

  /** INFO, NOTIFY, MESSAGE, SUBSCRIBE, REFER: the same request on the other leg, its answer back. */
  #relay(side: Side, tx: ServerTransaction): void {
    if (!this.#canRelay(tx)) return;
    const req = tx.request;
    const near = this.#leg(side)!;
    const far = this.#leg(otherSide(side))!;
    const contentType = req.headers.get('content-type');
    const out = far.dialog.createRequest(req.method, {
      headers: pickHeaders(req, RELAYED_REQUEST_HEADERS),
      ...(req.body.length > 0 && { body: req.body }),
      ...(req.body.length > 0 && contentType !== undefined && { contentType }),
    });
    const sent = this.#send(out, far.destination, (res) => {
      if (res.status < 200) return;
      const resType = res.headers.get('content-type');
      if (res.status < 300 && TARGET_REFRESH_METHODS.has(req.method)) {
        near.dialog.refreshTarget(req);
        far.dialog.refreshTarget(res);
      }
      tx.reply(res.status, res.reason, {
        headers: pickHeaders(res, RELAYED_RESPONSE_HEADERS),
        ...(res.body.length > 0 && { body: res.body }),
        ...(res.body.length > 0 && resType !== undefined && { contentType: resType }),
      });
      this.#checkLost(far.side, res);
    });
    if (!sent) tx.reply(500);
  }

  /**
   * A re-INVITE or UPDATE: an offer (or, for an offerless re-INVITE, a request for one) relayed to
   * the other leg with its SDP anchored, the answer relayed back. One exchange at a time per call:
   * a second one meanwhile, from either side, is answered 491 (RFC 3261 §14.2, RFC 3311 §5.2).
   */
  #relayOffer(side: Side, tx: ServerTransaction): void {
    if (!this.#canRelay(tx)) return;
    const req = tx.request;
    const method = req.method as 'INVITE' | 'UPDATE';
    // The caller has not ACKed our 2xx yet: its INVITE transaction is still open, so a new offer
    // would cross it (§14.1).
    if (this.#offer || !this.#aAcked) {
      tx.reply(491);
      return;
    }
    let body: Buffer | undefined;
    if (hasSdp(req)) {
      try {
        body = this.#anchor.relay(side, req.body);
      } catch (e) {
        const f = sdpFailure(e);
        if (!f) throw e;
        tx.reply(f.status, f.reason);
        return;
      }
    } else if (req.body.length > 0) {
      tx.reply(415, undefined, { headers: [['Accept', SDP_CONTENT_TYPE]] });
      return;
    }
    const far = this.#leg(otherSide(side))!;
    const relay: OfferRelay = {
      from: side,
      method,
      server: tx,
      offerless: method === 'INVITE' && body === undefined,
      far,
      cseq: 0,
      client: undefined,
      answered: false,
      farAck: undefined,
      done: false,
    };
    this.#offer = relay;
    if (method === 'INVITE') {
      tx.user = { onNoAck: () => this.#endBothLegs('no-ack') };
      this.#relayedInvites.add(tx);
      this.#ctx.bindServerInvite(tx, () => this.#cancelOffer(relay));
    }
    const out = far.dialog.createRequest(method, {
      headers: pickHeaders(req, ['Session-Expires', 'Subject']),
      ...(body !== undefined && { body, contentType: SDP_CONTENT_TYPE }),
    });
    relay.cseq = out.cseq!.seq;
    relay.client = this.#send(out, far.destination, (res) => this.#onOfferResponse(relay, res));
    if (!relay.client) {
      this.#endOffer(relay);
      tx.reply(500);
    }
  }

  #onOfferResponse(relay: OfferRelay, res: SipResponse): void {
    const s = res.status;
    if (s < 200) return;
    const far = relay.far;
    if (s >= 300) {
      if (relay.done) return;
      relay.done = true;
      this.#endOffer(relay);
      // 491 from the far end goes back as 491: the origin retries later, as in glare.
      relay.server.reply(s, res.reason, { headers: pickHeaders(res, ['Retry-After', 'Warning']) });
      this.#checkLost(far.side, res);
      return;
    }
    if (relay.farAck) {
      // §13.2.2.4: a retransmitted 2xx gets the same ACK.
      this.#sendAck(relay.farAck, far.destination);
      return;
    }
    // An offerless re-INVITE waits for the origin's ACK before ACKing here: retransmissions meanwhile go unanswered.
    if (relay.answered) return;
    relay.answered = true;
    far.dialog.refreshTarget(res);
    let body: Buffer | undefined;
    if (hasSdp(res)) {
      try {
        body = this.#anchor.relay(far.side, res.body);
      } catch (e) {
        this.#log.warn('answer to a re-offer not usable', { err: e instanceof Error ? e.message : String(e) });
      }
    }
    const near = this.#leg(relay.from)!;
    // RFC 6141: a successful target refresh request updates the remote target.
    near.dialog.refreshTarget(relay.server.request);
    if (relay.method === 'INVITE' && !relay.offerless) {
      relay.farAck = far.dialog.createAck(relay.cseq);
      this.#sendAck(relay.farAck, far.destination);
    }
    if (body === undefined && hasSdp(res)) relay.server.reply(500, 'Server Internal Error - No Usable Answer');
    else {
      relay.server.reply(200, res.reason, {
        headers: [['Contact', near.dialog.localContact ?? this.#aContact]],
        ...(body !== undefined && { body, contentType: SDP_CONTENT_TYPE }),
      });
    }
    if (!relay.offerless) {
      relay.done = true;
      this.#endOffer(relay);
    }
  }

  #cancelOffer(relay: OfferRelay): void {
    if (relay.done || relay.answered) return;
    if (relay.client instanceof InviteClientTransaction) this.#ctx.transactions.cancel(relay.client);
  }

  #endOffer(relay: OfferRelay): void {
    if (this.#offer === relay) this.#offer = undefined;
    if (relay.method === 'INVITE') this.#ctx.unbindServerInvite(relay.server);
  }

  /** §12.2.1.2: a 481 or a timeout (408) to a request within the dialog means that dialog is gone. */
  #checkLost(side: Side, res: SipResponse): void {
    const lost = res.status === 481 || (res instanceof LocalResponse && res.cause === 'timeout');
    if (!lost || this.#state !== CallState.Dialog) return;
    this.#log.info('a leg is gone; ending the call', { side, status: res.status });
    this.#leg(side)?.dialog.terminate();
    this.#bye(otherSide(side));
    this.#end('error', res.status);
  }

  /** An ACK within one of the call's dialogs. */
  onAck(side: Side, ack: SipRequest): void {
    const seq = ack.cseq?.seq;
    if (side === 'a' && !this.#aAcked && seq === this.#tx.request.cseq?.seq) {
      this.#aAcked = true;
      // A late offer: the caller's ACK answers B's offer; our ACK on the b leg carries it.
      if (this.#init.offer === undefined) this.#ackLateOffer(ack);
      return;
    }
    const relay = this.#offer;
    if (relay && relay.offerless && relay.from === side && relay.answered && !relay.farAck && seq === relay.server.request.cseq?.seq) {
      // The answer to the far leg's offer: anchored, and carried in our ACK on the far leg.
      let body: Buffer | undefined;
      if (hasSdp(ack)) {
        try {
          body = this.#anchor.relay(side, ack.body);
        } catch (e) {
          this.#log.warn('answer in ACK not usable', { err: e instanceof Error ? e.message : String(e) });
        }
      }
      relay.farAck = relay.far.dialog.createAck(relay.cseq, body !== undefined ? { body, contentType: SDP_CONTENT_TYPE } : {});
      this.#sendAck(relay.farAck, relay.far.destination);
      relay.done = true;
      this.#endOffer(relay);
    }
  }

  /**
   * The ACK of the winning 2xx of a late-offer call, once the caller's ACK came (with the answer,
   * anchored) or, without one, bare before the leg is ended (§13.2.2.4: a 2xx is always ACKed).
   */
  #ackLateOffer(callerAck?: SipRequest): void {
    const w = this.#winner;
    if (!w?.dialog || w.ack) return;
    let body: Buffer | undefined;
    if (callerAck && hasSdp(callerAck)) {
      try {
        body = this.#anchor.relay('a', callerAck.body);
      } catch (e) {
        this.#log.warn('answer in the caller\'s ACK not usable', { err: e instanceof Error ? e.message : String(e) });
      }
    }
    w.ack = w.dialog.createAck(w.request.cseq!.seq, body !== undefined ? { body, contentType: SDP_CONTENT_TYPE } : {});
    this.#sendAck(w.ack, w.destination);
  }

  // ---- ending ---------------------------------------------------------------------------------

  /**
   * Ends the call from our side: a ringing call has its forks cancelled and the caller gets 487;
   * an answered one gets BYE on both legs. Resolves once every leg is over.
   */
  hangup(cause: EndCause): Promise<void> {
    if (this.#state === CallState.Forking) {
      this.#cancelForks();
      this.#tx.reply(487);
      this.#end(cause, 487);
    } else if (this.#state === CallState.Dialog) this.#endBothLegs(cause);
    return this.#finished;
  }

  #endBothLegs(cause: EndCause): void {
    if (this.#state === CallState.Forking) {
      void this.hangup(cause);
      return;
    }
    if (this.#state !== CallState.Dialog) return;
    this.#ackLateOffer();
    this.#bye('a');
    this.#bye('b');
    this.#end(cause);
  }

  /** Ends the call at once, whatever is still pending (shutdown after the grace period). */
  dispose(): void {
    if (this.#state === CallState.Ended) return;
    if (this.#state !== CallState.Closing) void this.hangup('shutdown');
    this.#finish();
  }

  /** Sends BYE on a leg whose dialog is still up, and ends that dialog (§15.1.1). */
  #bye(side: Side, headers: [string, string][] = []): void {
    const leg = this.#leg(side);
    if (!leg || leg.dialog.state === DialogState.Terminated) return;
    const bye = leg.dialog.createRequest('BYE', { headers });
    leg.dialog.terminate();
    this.#send(bye, leg.destination);
  }

  /** The decision is taken: `end` is published, the store says closing until the legs are over. */
  #end(cause: EndCause, status?: number): void {
    if (this.#endCause !== undefined) return;
    this.#endCause = cause;
    this.#clearNoAnswer();
    this.#state = CallState.Closing;
    this.#log.info('call ending', { cause, status });
    this.#publish('end', { cause, ...(status !== undefined && { status }) });
    this.#put();
    this.#maybeFinish();
  }

  #maybeFinish(): void {
    if (this.#state !== CallState.Closing) return;
    if (!this.#forks.every((f) => f.settled) || this.#pending.size > 0) return;
    this.#finish();
  }

  #finish(): void {
    if (this.#state === CallState.Ended) return;
    this.#state = CallState.Ended;
    this.#clearNoAnswer();
    const ctx = this.#ctx;
    ctx.unbindDialog(this.#aDialog.key);
    ctx.unbindServerInvite(this.#tx);
    if (this.#offer) this.#endOffer(this.#offer);
    for (const f of this.#forks) {
      for (const d of f.early.values()) ctx.unbindDialog(d.key);
      if (f.dialog) ctx.unbindDialog(f.dialog.key);
      ctx.unbindForkCallId(f.callId);
    }
    ctx.store.delete(this.dialogid);
    this.#release();
    this.#anchor.close().catch((e: unknown) => this.#log.error('media session not closed', { err: e instanceof Error ? e.message : String(e) }));
    this.#log.info('call over', { cause: this.#endCause });
    ctx.ended(this);
    this.#resolveFinished();
  }

  /**
   * The call's INVITE transactions outlive it (RFC 6026: Timers L and M wait 64*T1): from now on
   * their callbacks keep only what the RFC still asks of them, not the call, its media and its
   * forks, which would otherwise stay in memory for 32 s after every call.
   */
  #release(): void {
    // Past the end every callback of a server INVITE of ours would find nothing left to do.
    this.#tx.user = {};
    for (const tx of this.#relayedInvites) tx.user = {};
    this.#relayedInvites.clear();
    const { transactions } = this.#ctx;
    const log = this.#log;
    for (const fork of this.#forks) if (fork.tx) fork.tx.user = lingeringFork(fork, transactions, log);
    // What stays is kept to match retransmissions: the typed forms read during the call (a Map per
    // URI and Via among them, a quarter of what stays) are parsed again should anything read them.
    this.#tx.request.headers.dropTypedForms();
    this.#tx.finalResponse?.headers.dropTypedForms();
    for (const fork of this.#forks) fork.request.headers.dropTypedForms();
  }

  // ---- helpers --------------------------------------------------------------------------------

  #leg(side: Side): LegEnd | undefined {
    if (side === 'a') return { side, dialog: this.#aDialog, destination: this.#aDestination };
    const w = this.#winner;
    return w?.dialog ? { side, dialog: w.dialog, destination: w.destination } : undefined;
  }

  /** A request of ours on a leg, in its own client transaction; the call ends only after it. */
  #send(req: SipRequest, destination: Destination, onFinal?: (res: SipResponse) => void): ClientTransaction | undefined {
    try {
      // A leg's request is over for the call at its final response (the transaction itself lingers
      // for Timer K to absorb retransmissions, which the call need not wait for).
      const done = (t: ClientTransaction) => {
        // Timer K keeps a non-INVITE transaction 5 s after its final response, which needs nothing
        // of the call any more. An INVITE's 2xx retransmissions still come to `onFinal` (its ACK).
        if (t.kind === TransactionKind.NonInviteClient) t.user = {};
        if (this.#pending.delete(t)) this.#maybeFinish();
      };
      const tx = this.#ctx.transactions.sendRequest(req, destination, {
        onResponse: (res, t) => {
          onFinal?.(res);
          if (res.status >= 200) done(t);
        },
        onTerminated: done,
      });
      this.#pending.add(tx);
      return tx;
    } catch (e) {
      this.#log.warn('request not sent', { method: req.method, err: e instanceof Error ? e.message : String(e) });
      return undefined;
    }
  }

  #sendAck(ack: SipRequest, destination: Destination): void {
    this.#ctx.transactions.sendAck(ack, destination).catch((e: unknown) => this.#log.info('ACK not sent', { err: e instanceof Error ? e.message : String(e) }));
  }

  #status(): DialogStatus {
    return this.#state === CallState.Forking ? 'forking' : this.#state === CallState.Dialog ? 'dialog' : 'closing';
  }

  /** The call's b legs as stored: the ringing forks while forking, the answered leg afterwards. */
  #bLegs(): BLegView[] {
    const forking = this.#state === CallState.Forking;
    const view = (f: B2bFork): BLegView => ({ callid: f.callId, localuri: f.localuri, remoteuri: f.remoteuri, expiresAt: forking ? this.#deadline : undefined });
    if (this.#winner) return [view(this.#winner)];
    return this.#forks.filter((f) => !f.settled).map(view);
  }

  #put(): void {
    if (this.#state === CallState.Ended) return;
    const ctx = this.#ctx;
    const opts = ctx.store.get(this.dialogid)?.dialog.opts ?? this.#init.opts ?? {};
    ctx.store.put(
      storedDialog(
        {
          dialogid: this.dialogid,
          inviteid: this.inviteid,
          acallid: this.acallid,
          startts: this.startts,
          site: ctx.site,
          status: this.#status(),
          a: this.#aUris,
          b: this.#bLegs(),
          participants: this.#participants,
        },
        ctx.clock,
        opts,
      ),
    );
  }

  #publish(type: CallEventType, extra: { cause?: string; status?: number } = {}): void {
    const ctx = this.#ctx;
    const bindings = ctx.store.get(this.dialogid)?.dialog.opts.bindings ?? [];
    ctx.events.publish({
      type,
      ts: ctx.clock.now(),
      inviteid: this.inviteid,
      dialogid: this.dialogid,
      bindings: [...bindings],
      startts: this.startts,
      ...extra,
      participants: [...this.#participants],
    });
  }
}

/**
 * §13.2.2.4, §15: a 2xx we do not take (another fork won, or the call is over) is acknowledged, and
 * its dialog ended at once: the ACK (kept on the fork, for the 2xx's retransmissions) goes through
 * `sendAck`, the BYE is returned for the caller to send. Undefined when the 2xx makes no dialog.
 */
function ackUnwanted2xx(fork: B2bFork, res: SipResponse, sendAck: (ack: SipRequest) => void): SipRequest | undefined {
  let d: SipDialog;
  try {
    d = SipDialog.fromResponse(fork.request, res);
  } catch {
    return undefined;
  }
  const ack = d.createAck(fork.request.cseq!.seq);
  fork.lateAcks.set(d.id.remoteTag, ack);
  sendAck(ack);
  const bye = d.createRequest('BYE');
  d.terminate();
  return bye;
}

/**
 * A fork's INVITE transaction after its call ended: what RFC 6026's Timer M is for. Every
 * retransmitted 2xx gets its ACK again (§13.2.2.4); a 2xx from a dialog never seen is ACKed and
 * ended with BYE, as the call does with a late answer.
 */
function lingeringFork(fork: B2bFork, transactions: TransactionLayer, log: Logger): ClientTransactionUser {
  const sendAck = (ack: SipRequest) =>
    transactions.sendAck(ack, fork.destination).catch((e: unknown) => log.info('ACK not sent', { err: e instanceof Error ? e.message : String(e) }));
  return {
    onResponse: (res) => {
      if (res.status < 200 || res.status >= 300) return;
      const tag = res.to?.tag ?? '';
      if (fork.dialog && fork.dialog.id.remoteTag === tag) {
        if (fork.ack) void sendAck(fork.ack);
        return;
      }
      const late = fork.lateAcks.get(tag);
      if (late) {
        void sendAck(late);
        return;
      }
      const bye = ackUnwanted2xx(fork, res, (ack) => void sendAck(ack));
      if (!bye) return;
      try {
        transactions.sendRequest(bye, fork.destination);
      } catch (e) {
        log.warn('request not sent', { method: 'BYE', err: e instanceof Error ? e.message : String(e) });
      }
      log.info('late 2xx acknowledged and ended', { fork: fork.index });
    },
  };
}
