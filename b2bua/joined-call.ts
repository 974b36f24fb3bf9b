// A dialog made of two answered service calls (third-party call control, RFC 3725): the node called
// X, then Y offering X's session (sdpFrom, one relay session), and joined them. It is one call in
// the store like a B2B call (legs a = X's call, b = Y's call, status `dialog`), with the same
// events; a BYE from either device ends the other leg too (RFC 3725 §5: the controller tears the
// other dialog down), as does the API's DELETE or the node's shutdown.
//
// We are the UAC of both dialogs. Requests from the devices: BYE ends the call; INFO and MESSAGE
// go to the other device like a B2B call relays them; OPTIONS is answered; a new offer (re-INVITE,
// UPDATE) is refused with 488, since relaying it needs the B2B offer logic (not taken yet).
import type { Logger } from '../lib/log.ts';
import type { CallEventBus, CallEventType } from '../events/call-events.ts';
import type { Side } from '../media/relay-session.ts';
import { DialogState } from '../sip/dialog/index.ts';
import type { SipRequest, SipResponse } from '../sip/message/index.ts';
import { LocalResponse, type ClientTransaction, type ServerTransaction, type TransactionLayer } from '../sip/transaction/index.ts';
import type { Clock } from '../lib/clock.ts';
import type { CallStore } from '../store/call-store.ts';
import type { DialogOpts, Participant } from '../store/dialog.ts';
import type { AnsweredCall } from './answered-call.ts';
import { storeUri, storedDialog } from './call-record.ts';
import type { DtmfLeg } from './dtmf-sender.ts';
import type { EndCause } from './end-cause.ts';
import { otherSide } from './media-anchor.ts';
import { RELAYED_REQUEST_HEADERS, RELAYED_RESPONSE_HEADERS, pickHeaders } from './relayed-headers.ts';
import { CAPABILITY_HEADERS, DIALOG_METHODS, KNOWN_METHODS, allow } from './sip-methods.ts';

export interface JoinedCallContext {
  readonly site: string;
  readonly transactions: TransactionLayer;
  readonly store: CallStore;
  readonly events: CallEventBus;
  readonly clock: Clock;
  readonly logger: Logger;
  /** The call is over and out of the store. */
  ended(call: JoinedCall): void;
}

export interface JoinedCallInit {
  readonly dialogid: string;
  readonly inviteid: string;
  /** Side a: X's call; side b: Y's call. Both share one relay session. */
  readonly a: AnsweredCall;
  readonly b: AnsweredCall;
  readonly participants: readonly Participant[];
  readonly opts: DialogOpts;
}

type State = 'dialog' | 'closing' | 'ended';

export class JoinedCall {
  readonly dialogid: string;
  readonly inviteid: string;
  readonly acallid: string;
  readonly startts: number;
  readonly #ctx: JoinedCallContext;
  readonly #log: Logger;
  readonly #legs: Record<Side, AnsweredCall>;
  readonly #participants: readonly Participant[];
  readonly #init: JoinedCallInit;
  /** Requests of ours still waiting for a final response: the call ends after them. */
  readonly #pending = new Set<ClientTransaction>();
  #state: State = 'dialog';
  #cause: EndCause | undefined;
  readonly #finished: Promise<void>;
  #resolveFinished: () => void = () => {};

  constructor(ctx: JoinedCallContext, init: JoinedCallInit) {
    this.#ctx = ctx;
    this.#init = init;
    this.dialogid = init.dialogid;
    this.inviteid = init.inviteid;
    this.acallid = init.a.callid;
    this.startts = ctx.clock.now();
    this.#legs = { a: init.a, b: init.b };
    this.#participants = init.participants;
    this.#log = ctx.logger.child('joined', { dialogid: init.dialogid, callid: this.acallid });
    this.#finished = new Promise((r) => (this.#resolveFinished = r));
  }

  get state(): State {
    return this.#state;
  }

  get finished(): Promise<void> {
    return this.#finished;
  }

  /** The relay session both legs share (its id is X's service call's). */
  get sessionId(): string {
    return this.#legs.a.anchor.session.id;
  }

  /** The dialog keys of both legs, for in-dialog requests. */
  get dialogKeys(): Record<Side, string> {
    return { a: this.#legs.a.dialog.key, b: this.#legs.b.dialog.key };
  }

  callid(side: Side): string {
    return this.#legs[side].callid;
  }

  /** Stores the dialog, publishes `start` and `answer`, and starts the media timeout (both talk now). */
  start(): void {
    this.#put();
    this.#publish('start');
    this.#publish('answer', { status: 200 });
    this.#legs.a.anchor.session.startMediaTimer();
    this.#log.info('legs joined', { a: this.#legs.a.callid, b: this.#legs.b.callid });
  }

  /** A request within one leg's dialog (not ACK, not CANCEL). */
  onRequest(side: Side, tx: ServerTransaction): void {
    const leg = this.#legs[side];
    const req = tx.request;
    if (leg.dialog.state === DialogState.Terminated) {
      tx.reply(481);
      return;
    }
    // §12.2.2: a lower CSeq than the last is out of order.
    const check = leg.dialog.checkRequest(req);
    if (!check.ok) {
      tx.reply(check.status, check.reason);
      return;
    }
    switch (req.method) {
      case 'BYE':
        // §15.1.2: the BYE ends the dialog it came on; the other leg gets ours.
        tx.reply(200);
        leg.dialog.terminate();
        if (this.#state === 'dialog') {
          this.#bye(otherSide(side), pickHeaders(req, ['Reason']));
          this.#end(side === 'a' ? 'bye-a' : 'bye-b');
        }
        return;
      case 'OPTIONS':
        tx.reply(200, undefined, { headers: CAPABILITY_HEADERS });
        return;
      case 'INFO':
      case 'MESSAGE':
        this.#relay(side, tx);
        return;
      case 'INVITE':
      case 'UPDATE':
        tx.reply(488, 'Not Acceptable Here - Re-Offers Not Supported On Joined Calls');
        return;
      default:
        if (KNOWN_METHODS.has(req.method)) tx.reply(405, undefined, { headers: [allow(DIALOG_METHODS)] });
        else tx.reply(501);
    }
  }

  /** A 2xx retransmitted after our ACK was lost: the same ACK again (§13.2.2.4). */
  onStray2xx(side: Side, res: SipResponse): boolean {
    const leg = this.#legs[side];
    if (!leg.ack || res.to?.tag !== leg.dialog.id.remoteTag) return false;
    this.#ctx.transactions.sendAck(leg.ack, leg.destination).catch((e: unknown) => this.#log.info('ACK not sent', { err: e instanceof Error ? e.message : String(e) }));
    return true;
  }

  /** The device on a side, for DTMF (b2bua/dtmf-sender.ts). */
  dtmfLeg(side: Side): DtmfLeg | undefined {
    const leg = this.#legs[side];
    if (this.#state !== 'dialog' || leg.dialog.state === DialogState.Terminated) return undefined;
    return { session: leg.anchor.session, side: leg.side, payloadType: leg.anchor.telephoneEvent(leg.side), dialog: leg.dialog, destination: leg.destination };
  }

  /** Ends the call from our side: BYE to both devices. Resolves once it is over. */
  hangup(cause: EndCause): Promise<void> {
    if (this.#state === 'dialog') {
      this.#bye('a');
      this.#bye('b');
      this.#end(cause);
    }
    return this.#finished;
  }

  /** Ends the call at once, whatever is still pending (shutdown after the grace period). */
  dispose(): void {
    if (this.#state === 'dialog') void this.hangup('shutdown');
    this.#finish();
  }

  /** INFO, MESSAGE: the same request on the other leg, its final answer back. */
  #relay(side: Side, tx: ServerTransaction): void {
    if (this.#state !== 'dialog') {
      tx.reply(481);
      return;
    }
    const req = tx.request;
    const far = this.#legs[otherSide(side)];
    const contentType = req.headers.get('content-type');
    const out = far.dialog.createRequest(req.method, {
      headers: pickHeaders(req, RELAYED_REQUEST_HEADERS),
      ...(req.body.length > 0 && { body: req.body }),
      ...(req.body.length > 0 && contentType !== undefined && { contentType }),
    });
    const sent = this.#send(out, far.destination, (res) => {
      const resType = res.headers.get('content-type');
      tx.reply(res.status, res.reason, {
        headers: pickHeaders(res, RELAYED_RESPONSE_HEADERS),
        ...(res.body.length > 0 && { body: res.body }),
        ...(res.body.length > 0 && resType !== undefined && { contentType: resType }),
      });
      this.#checkLost(otherSide(side), res);
    });
    if (!sent) tx.reply(500);
  }

  /** §12.2.1.2: a 481 or a timeout in a dialog means that dialog is gone; the call ends. */
  #checkLost(side: Side, res: SipResponse): void {
    const lost = res.status === 481 || (res instanceof LocalResponse && res.cause === 'timeout');
    if (!lost || this.#state !== 'dialog') return;
    this.#log.info('a leg is gone; ending the call', { side, status: res.status });
    this.#legs[side].dialog.terminate();
    this.#bye(otherSide(side));
    this.#end('error');
  }

  /** BYE on a leg whose dialog is still up (§15.1.1). */
  #bye(side: Side, headers: [string, string][] = []): void {
    const leg = this.#legs[side];
    if (leg.dialog.state === DialogState.Terminated) return;
    const bye = leg.dialog.createRequest('BYE', { headers });
    leg.dialog.terminate();
    this.#send(bye, leg.destination);
  }

  #end(cause: EndCause): void {
    if (this.#cause !== undefined) return;
    this.#cause = cause;
    this.#state = 'closing';
    this.#log.info('joined call ending', { cause });
    this.#publish('end', { cause });
    this.#put();
    this.#maybeFinish();
  }

  #maybeFinish(): void {
    if (this.#state === 'closing' && this.#pending.size === 0) this.#finish();
  }

  #finish(): void {
    if (this.#state === 'ended') return;
    this.#state = 'ended';
    this.#ctx.store.delete(this.dialogid);
    this.#legs.a.anchor.close().catch((e: unknown) => this.#log.error('media session not closed', { err: e instanceof Error ? e.message : String(e) }));
    this.#log.info('joined call over', { cause: this.#cause });
    this.#ctx.ended(this);
    this.#resolveFinished();
  }

  /** A request of ours in its own client transaction; the call ends only after its final response. */
  #send(req: SipRequest, destination: JoinedCallInit['a']['destination'], onFinal?: (res: SipResponse) => void): boolean {
    try {
      const done = (t: ClientTransaction) => {
        if (this.#pending.delete(t)) this.#maybeFinish();
      };
      const tx = this.#ctx.transactions.sendRequest(req, destination, {
        onResponse: (res, t) => {
          if (res.status < 200) return;
          onFinal?.(res);
          done(t);
        },
        onTerminated: done,
      });
      this.#pending.add(tx);
      return true;
    } catch (e) {
      this.#log.warn('request not sent', { method: req.method, err: e instanceof Error ? e.message : String(e) });
      return false;
    }
  }

  #put(): void {
    if (this.#state === 'ended') return;
    const { a, b } = this.#legs;
    const ctx = this.#ctx;
    // As if X had called Y: a's To is Y and its From X; b's From is what Y was shown, its To Y.
    const yUri = storeUri(b.dialog.remoteUri.uri);
    const opts = ctx.store.get(this.dialogid)?.dialog.opts ?? this.#init.opts;
    ctx.store.put(
      storedDialog(
        {
          dialogid: this.dialogid,
          inviteid: this.inviteid,
          acallid: a.callid,
          startts: this.startts,
          site: ctx.site,
          status: this.#state === 'dialog' ? 'dialog' : 'closing',
          a: { localuri: yUri, remoteuri: storeUri(a.dialog.remoteUri.uri) },
          b: [{ callid: b.callid, localuri: storeUri(b.dialog.localUri.uri), remoteuri: yUri, expiresAt: undefined }],
          participants: this.#participants,
        },
        ctx.clock,
        opts,
      ),
    );
  }

  #publish(type: CallEventType, extra: { cause?: string; status?: number } = {}): void {
    const ctx = this.#ctx;
    const bindings = ctx.store.get(this.dialogid)?.dialog.opts.bindings ?? this.#init.opts.bindings ?? [];
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
