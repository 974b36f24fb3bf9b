// Service calls: the calls the node itself places for the operations (activities/sip-activities.ts,
// ServiceCallPort). The node is the UAC ("the IVR"): one INVITE with the workflow's Call-ID, forked
// to every contact of the dialled account (same Call-ID and From tag, one transaction per contact),
// the first 2xx wins and is ACKed, the others are CANCELled. What the device does comes back as
// events through `deliver(callid, event)` (the SipEventRouter), in arrival order.
//
// Media: each call has a relay session whose b side faces the device; the offer is ours, written on
// the b side's ports (PCMU, PCMA, telephone-event, sendrecv). The a side stays unconnected, so the
// device hears silence and the media timeout is not started, until a call placed with `sdpFrom`
// this one is offered that a side (RFC 3725, third-party-offer.ts); joinLegs then makes the two one
// dialog (joined-calls.ts). sendDtmf is dtmf-sender.ts.
import type { Clock, TimerHandle } from '../lib/clock.ts';
import type { Logger } from '../lib/log.ts';
import type { MediaManager } from '../media/media-manager.ts';
import type { Side } from '../media/relay-session.ts';
import type {
  HangupRequest,
  JoinLegsRequest,
  JoinLegsResult,
  PlaceCallRequest,
  SendDtmfRequest,
  SendReferRequest,
  ServiceCallPort,
  SipRequestContext,
} from '../activities/sip-activities.ts';
import type { SipEventBody } from '../operations/sip-event-router.ts';
import { DialogState, SipDialog, dialogIdOfRequest, dialogKey, uriEndpoint } from '../sip/dialog/index.ts';
import { createRequest, formatNameAddr, formatUri, generateTag, parseUri, sipUri, type SipRequest, type SipResponse, type Uri } from '../sip/message/index.ts';
import type { LocationService } from '../sip/registrar/index.ts';
import { LocalResponse, type InviteClientTransaction, type ServerTransaction, type TransactionLayer } from '../sip/transaction/index.ts';
import type { Destination, TransportLayer } from '../sip/transport/index.ts';
import type { AnsweredCall, ServiceCallExtras } from './answered-call.ts';
import type { CallLeg } from './b2b-call.ts';
import { B2buaError } from './b2bua-error.ts';
import { bestResponse } from './best-response.ts';
import type { ExtraDialogs } from './call-manager.ts';
import { forkTarget } from './fork-target.ts';
import { MediaAnchor, SDP_CONTENT_TYPE, hasSdp } from './media-anchor.ts';
import { storeUri } from './call-record.ts';
import { ourContact } from './our-contact.ts';
import { referralTarget, type AccountRef, type ReferredCallMatcher } from './referred-call-matcher.ts';
import { referToValue, referredByValue, referrerUri, replacesValue, targetUri } from './replaces-header.ts';
import { ReferSubscriptions, endsSubscription, madeNoSubscription, sipfragOf } from './refer-subscription.ts';
import type { Router } from './router.ts';
import { DIALOG_METHODS, allow } from './sip-methods.ts';
import { thirdPartyOffer } from './third-party-offer.ts';

/** Where the node's events about service calls go: SipEventRouter.deliver. Must not throw. */
export type ServiceCallDeliver = (callid: string, event: SipEventBody) => unknown;

export interface ServiceCallsOptions {
  readonly transactions: TransactionLayer;
  readonly transport: TransportLayer;
  readonly location: LocationService;
  readonly media: MediaManager;
  readonly router: Router;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly deliver?: ServiceCallDeliver;
  /** The B2B calls' legs, for `replaces` (the call manager). */
  readonly legs?: { findLeg(callid: string): CallLeg | undefined };
  /** Recognises the calls our REFERs ask for (shared with the call manager). */
  readonly referrals?: ReferredCallMatcher;
}

/** The node's own ringing guard, past the script's timer (which governs): timeoutSec plus this. */
const RING_GUARD_EXTRA_MS = 10_000;
/** Ended Call-IDs remembered, so a replayed placeCall sends nothing. */
const ENDED_MEMORY = 10_000;
/** How long a dialog the device hung up stays open for its REFER subscription's NOTIFYs: past the
 * scripts' default finalTimeout (120 s), which decides first. */
const SUBSCRIPTION_LINGER_MS = 130_000;
const INTERCOM_ALERT_INFO = '<http://127.0.0.1>;info=alert-autoanswer';

interface Target {
  readonly requestUri: Uri;
  readonly destination: Destination;
}

interface Fork {
  readonly request: SipRequest;
  readonly target: Target;
  tx: InviteClientTransaction | undefined;
  final: SipResponse | undefined;
  settled: boolean;
}

type State = 'ringing' | 'cancelling' | 'answered' | 'ended';

/** The call a REFER asked for, once the referred INVITE is recognised (referred-call-matcher.ts). */
interface Referred {
  ids: { acallid: string; dialogid: string } | undefined;
}

interface ServiceCall {
  readonly callid: string;
  readonly domain: string;
  /** Our From URI. */
  readonly fromUri: string;
  /** The Referred-By of our REFERs: placeCall's `referredBy` (X, moved by a transfer) or our From. */
  readonly referrer: Uri;
  /** The device's account (a REFER's referee), when the call went to one. */
  readonly referee: AccountRef | undefined;
  /** Labels for the dialogs the call ends up in (a REFER's referred call). */
  readonly bindings: readonly string[];
  readonly forks: Fork[];
  readonly anchor: MediaAnchor;
  /** The relay side facing the device: b, or a for a call offered another call's session (sdpFrom). */
  readonly side: Side;
  /** False when the session is another call's (sdpFrom): that call closes it. */
  readonly ownsMedia: boolean;
  /** The device's answer SDP: what a call with sdpFrom this one is offered. */
  answer: Buffer | undefined;
  /** The call offered this one's session (sdpFrom), while it lives. */
  lentTo: string | undefined;
  state: State;
  lastProvisional: number;
  dialog: SipDialog | undefined;
  destination: Destination | undefined;
  ack: SipRequest | undefined;
  readonly lateAcks: Map<string, SipRequest>;
  /** The subscriptions of the REFERs sent on this call (none until the first). */
  refer: ReferSubscriptions | undefined;
  guard: TimerHandle | undefined;
  readonly finished: Promise<void>;
  resolveFinished: () => void;
}

export class ServiceCalls implements ServiceCallPort, ExtraDialogs {
  readonly #o: ServiceCallsOptions;
  readonly #log: Logger;
  readonly #calls = new Map<string, ServiceCall>();
  /** Confirmed dialogs of answered calls, by dialog key. */
  readonly #dialogs = new Map<string, ServiceCall>();
  readonly #placing = new Set<string>();
  /** Hung up while its placeCall was still opening the media session: cancelled once sent. */
  readonly #hungUpWhilePlacing = new Set<string>();
  readonly #ended = new Set<string>();
  #deliver: ServiceCallDeliver | undefined;
  #closing = false;
  #extras: ServiceCallExtras | undefined;
  /** Each REFER subscription's referred call, once recognised. */
  readonly #referred = new WeakMap<object, Referred>();
  /** Calls the device hung up whose REFER subscription is still open, by Call-ID: their linger timer. */
  readonly #lingering = new Map<string, { call: ServiceCall; timer: TimerHandle }>();

  constructor(opts: ServiceCallsOptions) {
    this.#o = opts;
    this.#log = opts.logger.child('service-calls');
    this.#deliver = opts.deliver;
  }

  /** Where events go from now on (the server binds SipEventRouter.deliver once it exists). */
  onServiceCallEvent(deliver: ServiceCallDeliver): void {
    this.#deliver = deliver;
  }

  /** Live service calls. */
  get size(): number {
    return this.#calls.size;
  }

  // ---- placeCall ---------------------------------------------------------------------------------

  async placeCall(request: PlaceCallRequest, ctx: SipRequestContext): Promise<void> {
    const { callid } = request;
    if (this.#calls.has(callid) || this.#placing.has(callid) || this.#ended.has(callid)) return;
    if (this.#closing) throw new B2buaError('B2BUA_NO_ROUTE', 'the node is stopping');
    const referredBy = request.referredBy === undefined ? undefined : referrerUri(request.referredBy);
    const replacing = request.replaces === undefined ? undefined : this.#replacing(request, request.replaces);
    const { targets, toUri, intercom, referee } = replacing ?? this.#route(request);
    // RFC 3725: the call offers the session of an answered one, so it shares that call's relay.
    const lender = request.sdpFrom === undefined ? undefined : this.#lender(request.sdpFrom, callid);
    this.#placing.add(callid);
    let anchor: MediaAnchor;
    try {
      // Only a joined call starts the media timer (joined-calls.ts); its timeout goes there.
      const session = lender?.anchor.session ?? (await this.#o.media.createSession(`svc:${callid}`, { onTimeout: (e) => this.#extras?.mediaTimeout(e.id) }));
      anchor = lender?.anchor ?? new MediaAnchor(session, this.#o.media.address);
    } catch (e) {
      this.#hungUpWhilePlacing.delete(callid);
      throw e;
    } finally {
      this.#placing.delete(callid);
    }
    const localTag = generateTag();
    const fromUri = sipUri({ user: request.callerid, host: request.domain });
    const from = formatNameAddr({ displayName: request.callername || undefined, uri: fromUri, params: new Map([['tag', localTag]]) });
    const to = formatNameAddr({ uri: toUri });
    const offer = lender ? thirdPartyOffer(lender.answer, anchor.session.local('a'), Math.floor(this.#o.clock.now() / 1000)) : this.#offer(anchor);
    const headers: [string, string][] = [allow(DIALOG_METHODS) as [string, string]];
    const extra = Object.entries(request.headers).filter(([, v]) => v !== '');
    const has = (name: string) => extra.some(([n]) => n.toLowerCase() === name);
    if (intercom && !has('call-info')) headers.push(['Call-Info', `<sip:${request.domain}>;answer-after=0`]);
    if (intercom && !has('alert-info')) headers.push(['Alert-Info', INTERCOM_ALERT_INFO]);
    headers.push(...extra);
    // RFC 3891 §4: Replaces names the leg as its device holds it. Require makes a device without
    // RFC 3891 refuse (420) rather than ring as a second call.
    if (replacing) headers.push(['Replaces', replacesValue(replacing.leg.id)], ['Require', 'replaces']);
    if (referredBy) headers.push(['Referred-By', referredByValue(referredBy)]);
    let resolveFinished = () => {};
    const finished = new Promise<void>((r) => (resolveFinished = r));
    const call: ServiceCall = {
      callid,
      domain: request.domain,
      fromUri: formatUri(fromUri),
      referrer: referredBy ?? fromUri,
      referee,
      bindings: [...request.bindings],
      forks: targets.map((target) => ({
        target,
        request: createRequest({
          method: 'INVITE',
          uri: target.requestUri,
          from,
          to,
          callId: callid,
          cseq: 1,
          contact: ourContact(this.#o.transport, target.destination),
          headers,
          body: offer,
          contentType: SDP_CONTENT_TYPE,
        }),
        tx: undefined,
        final: undefined,
        settled: false,
      })),
      anchor,
      side: lender ? 'a' : 'b',
      ownsMedia: !lender,
      answer: undefined,
      lentTo: undefined,
      state: 'ringing',
      lastProvisional: 0,
      dialog: undefined,
      destination: undefined,
      ack: undefined,
      lateAcks: new Map(),
      refer: undefined,
      guard: undefined,
      finished,
      resolveFinished,
    };
    this.#calls.set(callid, call);
    this.#log.info('service call placed', { callid, to: request.to, forks: call.forks.length, workflowId: ctx.workflowId });
    call.guard = this.#o.clock.setTimeout(() => this.#cancel(call), request.timeoutSec * 1000 + RING_GUARD_EXTRA_MS);
    for (const fork of call.forks) {
      try {
        fork.tx = this.#o.transactions.sendRequest(fork.request, fork.target.destination, {
          onResponse: (res) => this.#onResponse(call, fork, res),
          onTerminated: () => {
            if (!fork.settled) this.#forkFailed(call, fork, undefined);
          },
        }) as InviteClientTransaction;
      } catch (e) {
        this.#log.warn('service call fork not sent', { callid, err: e instanceof Error ? e.message : String(e) });
        fork.settled = true;
      }
    }
    if (this.#hungUpWhilePlacing.delete(callid)) this.#cancel(call);
    if (call.forks.every((f) => f.tx === undefined)) {
      this.#end(call);
      this.#ended.delete(callid);
      throw new B2buaError('B2BUA_NO_ROUTE', `INVITE for ${request.to} could not be sent`);
    }
  }

  /**
   * RFC 3891 §4: an INVITE with Replaces goes to the device holding the leg, not through the
   * registrar: Request-URI its Contact, sent over the leg's own transport address. To names `to`.
   */
  #replacing(request: PlaceCallRequest, callid: string): { targets: Target[]; toUri: Uri; intercom: false; referee: AccountRef | undefined; leg: CallLeg } {
    const leg = this.#o.legs?.findLeg(callid);
    if (!leg) throw new B2buaError('B2BUA_NO_SUCH_CALL', `no answered leg ${callid} to replace`);
    const toUri = targetUri(request.to, request.domain, 'To');
    return { targets: [{ requestUri: leg.remoteTarget, destination: leg.destination }], toUri, intercom: false, referee: referralTarget(this.#o.router, toUri).account, leg };
  }

  /** number/login (feature codes included) of the domain → its contacts; another URI → itself. */
  #route(request: PlaceCallRequest): { targets: Target[]; toUri: Uri; intercom: boolean; referee: AccountRef | undefined } {
    const domainUri = parseUri(`sip:${request.domain}`, 'Request-URI');
    const domain = this.#o.router.domainOf(domainUri);
    let user: string = request.to;
    if (/^sips?:/i.test(request.to)) {
      const uri = parseUri(request.to, 'Request-URI');
      const ours = uri.kind === 'sip' ? this.#o.router.domainOf(uri) : undefined;
      if (!ours) {
        const endpoint = uriEndpoint(uri);
        if (!endpoint) throw new B2buaError('B2BUA_NO_ROUTE', `no way to reach ${request.to}`);
        return { targets: [{ requestUri: uri, destination: endpoint }], toUri: uri, intercom: false, referee: undefined };
      }
      if (uri.kind !== 'sip' || uri.user === undefined) throw new B2buaError('B2BUA_NO_ROUTE', `no user in ${request.to}`);
      user = uri.user;
    }
    if (!domain) throw new B2buaError('B2BUA_NO_ROUTE', `unknown domain ${request.domain}`);
    const route = this.#o.router.resolve(domain, user);
    if (route.kind !== 'account') throw new B2buaError('B2BUA_NO_ROUTE', `${request.to} is ${route.kind === 'conference' ? 'a conference room (not supported)' : 'not an account'} of ${request.domain}`);
    const targets = this.#o.location.lookup(route.account.aor).flatMap((b) => forkTarget(b) ?? []);
    if (targets.length === 0) throw new B2buaError('B2BUA_NO_ROUTE', `${request.to} has no reachable contact`);
    const referee = { domain: route.account.domain, sipuserId: route.account.id };
    return { targets, toUri: sipUri({ user: route.dialled, host: domain.name }), intercom: route.intercom, referee };
  }

  /** Our offer, on the relay's b side (the device's side). */
  #offer(anchor: MediaAnchor): Buffer {
    const local = anchor.session.local('b');
    const ip = local.address.includes(':') ? 'IP6' : 'IP4';
    const id = Math.floor(Date.now() / 1000);
    const lines = [
      'v=0',
      `o=callctl ${id} ${id} IN ${ip} ${local.address}`,
      's=callctl',
      `c=IN ${ip} ${local.address}`,
      't=0 0',
      `m=audio ${local.rtpPort} RTP/AVP 0 8 101`,
      'a=rtpmap:0 PCMU/8000',
      'a=rtpmap:8 PCMA/8000',
      'a=rtpmap:101 telephone-event/8000',
      'a=fmtp:101 0-16',
      'a=sendrecv',
    ];
    return Buffer.from(`${lines.join('\r\n')}\r\n`, 'utf8');
  }

  // ---- responses to the INVITE ---------------------------------------------------------------------

  #onResponse(call: ServiceCall, fork: Fork, res: SipResponse): void {
    if (res.status < 200) {
      if (res.status === 100 || call.state !== 'ringing' || res.status === call.lastProvisional) return;
      call.lastProvisional = res.status;
      this.#emit(call.callid, { type: 'sip.provisional', status: res.status, reason: res.reason });
    } else if (res.status < 300) this.#on2xx(call, fork, res);
    else this.#forkFailed(call, fork, res);
  }

  #on2xx(call: ServiceCall, fork: Fork, res: SipResponse): void {
    const tag = res.to?.tag ?? '';
    // §13.2.2.4: a retransmitted 2xx gets the same ACK again.
    if (call.dialog?.id.remoteTag === tag && call.ack) {
      this.#sendAck(call.ack, call.destination ?? fork.target.destination);
      return;
    }
    const late = call.lateAcks.get(tag);
    if (late) {
      this.#sendAck(late, fork.tx?.destination ?? fork.target.destination);
      return;
    }
    let dialog: SipDialog;
    try {
      dialog = SipDialog.fromResponse(fork.request, res);
    } catch (e) {
      this.#log.warn('2xx without a usable dialog ignored', { callid: call.callid, err: e instanceof Error ? e.message : String(e) });
      return;
    }
    const destination = fork.tx?.destination ?? fork.target.destination;
    const ack = dialog.createAck(fork.request.cseq!.seq);
    fork.settled = true;
    if (call.state !== 'ringing') {
      // Another fork won, or we are cancelling: the dialog is ACKed and ended at once.
      call.lateAcks.set(tag, ack);
      this.#sendAck(ack, destination);
      this.#send(dialog.createRequest('BYE'), destination);
      dialog.terminate();
      this.#maybeAllFailed(call);
      return;
    }
    call.state = 'answered';
    this.#clearGuard(call);
    call.dialog = dialog;
    call.destination = destination;
    call.ack = ack;
    this.#dialogs.set(dialog.key, call);
    this.#sendAck(ack, destination);
    if (hasSdp(res)) {
      try {
        call.answer = res.body;
        call.anchor.relay(call.side, res.body);
      } catch (e) {
        this.#log.warn('answer of a service call not usable', { callid: call.callid, err: e instanceof Error ? e.message : String(e) });
      }
    }
    for (const f of call.forks) if (f !== fork && !f.settled && f.tx) this.#o.transactions.cancel(f.tx);
    this.#emit(call.callid, { type: 'sip.answered', status: res.status, reason: res.reason });
  }

  #forkFailed(call: ServiceCall, fork: Fork, res: SipResponse | undefined): void {
    if (fork.settled) return;
    fork.settled = true;
    fork.final = res;
    this.#maybeAllFailed(call);
  }

  /** Every fork failed and none answered: sip.failed with the best response (§16.7), the call ends. */
  #maybeAllFailed(call: ServiceCall): void {
    if (call.state === 'answered' || call.state === 'ended' || !call.forks.every((f) => f.settled)) return;
    const finals = call.forks.flatMap((f) => (f.final ? [f.final] : []));
    const heard = finals.filter((r) => !(r instanceof LocalResponse));
    let status: number;
    let reason: string;
    if (call.state === 'cancelling') {
      const r = heard.find((x) => x.status === 487);
      status = 487;
      reason = r?.reason ?? 'Request Terminated';
    } else if (heard.length === 0) {
      // Nothing from any device (Timer B, transport errors).
      status = 0;
      reason = finals[0]?.reason ?? 'No Response';
    } else if (heard.length === 1) {
      status = heard[0]!.status;
      reason = heard[0]!.reason;
    } else ({ status, reason } = bestResponse(heard));
    this.#emit(call.callid, { type: 'sip.failed', status, reason });
    this.#end(call);
  }

  /** A 2xx after Timer M (no transaction takes it): the same ACK again. */
  handleStrayResponse(res: SipResponse): boolean {
    const call = res.callId === undefined ? undefined : this.#calls.get(res.callId);
    if (!call || res.cseq?.method !== 'INVITE' || res.status < 200 || res.status >= 300) return false;
    const tag = res.to?.tag ?? '';
    const ack = call.dialog?.id.remoteTag === tag ? call.ack : call.lateAcks.get(tag);
    if (ack && call.destination) this.#sendAck(ack, call.destination);
    return ack !== undefined;
  }

  // ---- requests from the device ------------------------------------------------------------------

  handleInDialog(tx: ServerTransaction): boolean {
    const id = dialogIdOfRequest(tx.request);
    const call = id && this.#dialogs.get(dialogKey(id));
    if (!call?.dialog) return false;
    const req = tx.request;
    const check = call.dialog.checkRequest(req);
    if (!check.ok) {
      tx.reply(check.status, check.reason);
      return true;
    }
    // Hung up, kept only for its REFER subscription: NOTIFY is the one request still taken.
    if (call.state === 'ended' && req.method !== 'NOTIFY') {
      tx.reply(481, 'Call/Transaction Does Not Exist');
      return true;
    }
    switch (req.method) {
      case 'BYE':
        tx.reply(200);
        if (call.state === 'answered') {
          call.dialog.terminate();
          this.#emit(call.callid, { type: 'sip.bye' });
          this.#end(call);
          // RFC 5057 §5.2: BYE ends the invite usage only; an accepted REFER's subscription shares
          // the dialog and lives on, so its NOTIFYs (the transfer's outcome) still count.
          if (call.refer?.live) this.#linger(call);
        }
        return true;
      case 'NOTIFY':
        this.#onNotify(call, tx);
        return true;
      case 'INFO':
      case 'OPTIONS':
        tx.reply(200);
        return true;
      case 'INVITE':
        // Re-offers (hold, codec changes) need the join's media logic; not taken yet.
        tx.reply(488, 'Not Acceptable Here - Re-INVITE Not Supported On Service Calls');
        return true;
      default:
        tx.reply(405, undefined, { headers: [allow(['ACK', 'BYE', 'INFO', 'NOTIFY', 'OPTIONS'])] });
        return true;
    }
  }

  /** RFC 3515 §2.4.5: NOTIFYs of the REFER's implicit subscription, each a sipfrag of the referred call. */
  #onNotify(call: ServiceCall, tx: ServerTransaction): void {
    const req = tx.request;
    const match = call.refer?.match(req) ?? { kind: 'none' };
    if (match.kind === 'malformed') {
      tx.reply(400, match.reason);
      return;
    }
    if (match.kind === 'bad-event') {
      tx.reply(489);
      return;
    }
    // RFC 6665 §4.1.3: a NOTIFY for a subscription that does not exist (unknown id, or over) → 481.
    if (match.kind === 'none') {
      tx.reply(481, 'Subscription Does Not Exist');
      return;
    }
    const sub = match.sub;
    tx.reply(200);
    // A NOTIFY may overtake the 202 (RFC 3515 §2.4.4 allows it): it proves the REFER accepted.
    if (!sub.accepted) {
      sub.accepted = true;
      this.#emit(call.callid, { type: 'refer.accepted' });
    }
    const sipfrag = sipfragOf(req);
    if (sipfrag !== undefined) {
      sub.notified = true;
      // Once the referred INVITE is recognised, its call's ids go along (docs/operations.md).
      this.#emit(call.callid, { type: 'notify.sipfrag', sipfrag, ...this.#referred.get(sub)?.ids });
    }
    if (endsSubscription(req)) this.#subscriptionOver(call, sub);
  }

  /** The subscription ended: `notify.none` if it told nothing; a hung-up call is let go once none is open. */
  #subscriptionOver(call: ServiceCall, sub: { done: boolean; notified: boolean }): void {
    if (sub.done) return;
    sub.done = true;
    if (!sub.notified) this.#emit(call.callid, { type: 'notify.none' });
    if (call.state === 'ended' && !call.refer?.live) this.#unlinger(call);
  }

  #linger(call: ServiceCall): void {
    if (!call.dialog) return;
    this.#dialogs.set(call.dialog.key, call);
    const timer = this.#o.clock.setTimeout(() => {
      // Nobody refreshes these subscriptions: past the linger they are over, told or not.
      for (const sub of call.refer?.open() ?? []) this.#subscriptionOver(call, sub);
      this.#unlinger(call);
    }, SUBSCRIPTION_LINGER_MS);
    this.#lingering.set(call.callid, { call, timer });
  }

  #unlinger(call: ServiceCall): void {
    const lingering = this.#lingering.get(call.callid);
    if (lingering) this.#o.clock.clearTimeout(lingering.timer);
    this.#lingering.delete(call.callid);
    if (call.dialog && this.#dialogs.get(call.dialog.key) === call) this.#dialogs.delete(call.dialog.key);
  }

  // ---- REFER, hangup -------------------------------------------------------------------------------

  async sendRefer(request: SendReferRequest, _ctx: SipRequestContext): Promise<void> {
    const call = this.#calls.get(request.callid);
    if (!call || call.state !== 'answered' || !call.dialog || !call.destination || call.dialog.state === DialogState.Terminated) {
      throw new B2buaError('B2BUA_NO_SUCH_CALL', `no answered service call ${request.callid}`);
    }
    const target = targetUri(request.referTo, call.domain, 'Refer-To');
    const replaced = request.replaces === undefined ? undefined : this.#o.legs?.findLeg(request.replaces);
    if (request.replaces !== undefined && !replaced) throw new B2buaError('B2BUA_NO_SUCH_CALL', `no answered leg ${request.replaces} to replace`);
    // The token in our Referred-By comes back in the referred INVITE and names this REFER.
    const referred: Referred = { ids: undefined };
    const token = this.#o.referrals?.expect({
      callid: call.callid,
      opts: { 'referred-by': storeUri(call.referrer), bindings: [...call.bindings] },
      referee: call.referee,
      target: referralTarget(this.#o.router, target),
      onMatched: (ids) => {
        // Only ids the signal accepts (a Call-ID of at most 256 characters).
        if (ids.acallid.length <= 256) referred.ids = ids;
      },
    });
    const headers: [string, string][] = [['Refer-To', referToValue(target, replaced?.id)], ['Referred-By', referredByValue(call.referrer, token)]];
    const out = call.dialog.createRequest('REFER', { headers });
    // Each REFER has its own subscription, named by its CSeq (RFC 3515 §2.4.6).
    call.refer ??= new ReferSubscriptions();
    const refer = call.refer.add(out.cseq!.seq);
    this.#referred.set(refer, referred);
    const sent = this.#send(out, call.destination, (res) => {
      if (res.status < 200) return;
      if (token !== undefined) {
        if (res.status < 300) this.#o.referrals?.accepted(token);
        else this.#o.referrals?.forget(token);
      }
      if (res.status < 300) {
        if (!refer.accepted) {
          refer.accepted = true;
          this.#emit(call.callid, { type: 'refer.accepted' });
        }
        // RFC 4488 §4: `Refer-Sub: false` in the 2xx means no subscription, so no NOTIFY will come:
        // the outcome is unknown now, not after the script's notify timer.
        if (madeNoSubscription(res)) this.#subscriptionOver(call, refer);
      } else if (!refer.accepted) {
        refer.done = true;
        this.#emit(call.callid, { type: 'refer.rejected', status: res.status, reason: res.reason });
      }
    });
    if (!sent) {
      refer.done = true;
      if (token !== undefined) this.#o.referrals?.forget(token);
      throw new B2buaError('B2BUA_NO_ROUTE', `REFER on ${request.callid} could not be sent`);
    }
  }

  /** CANCEL the ringing, BYE the answered; unknown, ending or ended calls are skipped. */
  async hangup(request: HangupRequest, _ctx?: SipRequestContext): Promise<void> {
    for (const callid of request.callids) {
      const call = this.#calls.get(callid);
      if (!call && this.#placing.has(callid)) this.#hungUpWhilePlacing.add(callid);
      if (!call) continue;
      if (call.state === 'ringing') this.#cancel(call);
      else if (call.state === 'answered') {
        const dialog = call.dialog;
        if (dialog && call.destination && dialog.state !== DialogState.Terminated) {
          const bye = dialog.createRequest('BYE');
          dialog.terminate();
          this.#send(bye, call.destination);
        }
        this.#end(call);
      }
    }
  }

  #cancel(call: ServiceCall): void {
    if (call.state !== 'ringing') return;
    call.state = 'cancelling';
    this.#clearGuard(call);
    for (const f of call.forks) if (!f.settled && f.tx) this.#o.transactions.cancel(f.tx);
    this.#maybeAllFailed(call);
  }

  // ---- third-party call control and DTMF (joined-calls.ts, dtmf-sender.ts) ---------------------------

  /** Binds joinLegs, sendDtmf and the joined calls' media timeouts (the node does, at start). */
  setExtras(extras: ServiceCallExtras): void {
    this.#extras = extras;
  }

  async sendDtmf(request: SendDtmfRequest, ctx: SipRequestContext): Promise<void> {
    if (!this.#extras) throw new B2buaError('B2BUA_NOT_SUPPORTED', 'sendDtmf is not bound');
    await this.#extras.sendDtmf(request, ctx);
  }

  async joinLegs(request: JoinLegsRequest, ctx: SipRequestContext): Promise<JoinLegsResult> {
    if (!this.#extras) throw new B2buaError('B2BUA_NOT_SUPPORTED', 'joinLegs is not bound');
    return this.#extras.joinLegs(request, ctx);
  }

  /** An answered service call whose dialog is up, as joins and DTMF see it. */
  answered(callid: string): AnsweredCall | undefined {
    const call = this.#calls.get(callid);
    if (!call || call.state !== 'answered' || !call.dialog || !call.destination || call.dialog.state === DialogState.Terminated) return undefined;
    return { callid, dialog: call.dialog, destination: call.destination, ack: call.ack, anchor: call.anchor, side: call.side };
  }

  /**
   * Gives an answered call away (to a joined dialog): it is no longer a service call (no events,
   * hangup skips it, placeCall with its Call-ID sends nothing) and neither BYE nor media close happens.
   */
  handOver(callid: string): AnsweredCall | undefined {
    const answered = this.answered(callid);
    const call = this.#calls.get(callid);
    if (!answered || !call) return undefined;
    call.state = 'ended';
    this.#clearGuard(call);
    this.#dialogs.delete(call.dialog!.key);
    this.#calls.delete(callid);
    this.#ended.add(callid);
    if (this.#ended.size > ENDED_MEMORY) this.#ended.delete(this.#ended.values().next().value!);
    this.#log.info('service call handed over', { callid });
    call.resolveFinished();
    return answered;
  }

  /** The answered call whose session `callid` is offered (sdpFrom): one borrower at a time. */
  #lender(sdpFrom: string, callid: string): ServiceCall {
    const lender = this.#calls.get(sdpFrom);
    if (!lender || lender.state !== 'answered' || !lender.ownsMedia) throw new B2buaError('B2BUA_NO_SUCH_CALL', `sdpFrom: no answered service call ${sdpFrom} with a session of its own`);
    if (lender.lentTo !== undefined && this.#calls.has(lender.lentTo)) throw new B2buaError('B2BUA_NOT_SUPPORTED', `the session of ${sdpFrom} is offered to ${lender.lentTo} already`);
    lender.lentTo = callid;
    return lender;
  }

  /** Shutdown: every call hung up; after `graceMs` whatever is left is dropped. */
  async closeAll(graceMs: number): Promise<void> {
    this.#closing = true;
    for (const { call } of [...this.#lingering.values()]) this.#unlinger(call);
    const calls = [...this.#calls.values()];
    if (calls.length === 0) return;
    await this.hangup({ callids: calls.map((c) => c.callid) });
    let timer: TimerHandle | undefined;
    const grace = new Promise<void>((resolve) => (timer = this.#o.clock.setTimeout(resolve, graceMs)));
    await Promise.race([Promise.all(calls.map((c) => c.finished)), grace]);
    this.#o.clock.clearTimeout(timer);
    for (const c of [...this.#calls.values()]) this.#end(c);
  }

  // ---- helpers -------------------------------------------------------------------------------------

  #end(call: ServiceCall): void {
    if (call.state === 'ended') return;
    call.state = 'ended';
    this.#clearGuard(call);
    if (call.dialog) this.#dialogs.delete(call.dialog.key);
    if (this.#calls.get(call.callid) === call) this.#calls.delete(call.callid);
    this.#ended.add(call.callid);
    if (this.#ended.size > ENDED_MEMORY) this.#ended.delete(this.#ended.values().next().value!);
    if (call.ownsMedia) call.anchor.close().catch((e: unknown) => this.#log.error('media session not closed', { err: e instanceof Error ? e.message : String(e) }));
    this.#log.info('service call over', { callid: call.callid });
    call.resolveFinished();
  }

  #clearGuard(call: ServiceCall): void {
    if (call.guard !== undefined) this.#o.clock.clearTimeout(call.guard);
    call.guard = undefined;
  }

  #emit(callid: string, event: SipEventBody): void {
    const deliver = this.#deliver;
    if (!deliver) {
      this.#log.debug('service call event with no one to deliver it to', { callid, event: event.type });
      return;
    }
    try {
      const r = deliver(callid, event);
      if (r instanceof Promise) r.catch((e: unknown) => this.#log.error('service call event not delivered', { callid, err: e instanceof Error ? e.message : String(e) }));
    } catch (e) {
      this.#log.error('service call event not delivered', { callid, err: e instanceof Error ? e.message : String(e) });
    }
  }

  #send(req: SipRequest, destination: Destination, onResponse?: (res: SipResponse) => void): boolean {
    try {
      this.#o.transactions.sendRequest(req, destination, { ...(onResponse && { onResponse: (res: SipResponse) => onResponse(res) }) });
      return true;
    } catch (e) {
      this.#log.warn('request not sent', { method: req.method, err: e instanceof Error ? e.message : String(e) });
      return false;
    }
  }

  #sendAck(ack: SipRequest, destination: Destination): void {
    this.#o.transactions.sendAck(ack, destination).catch((e: unknown) => this.#log.info('ACK not sent', { err: e instanceof Error ? e.message : String(e) }));
  }
}
