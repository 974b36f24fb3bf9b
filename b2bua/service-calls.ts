// Service calls: the calls the node itself places for the operations (activities/sip-activities.ts,
// ServiceCallPort). The node is the UAC ("the IVR"): one INVITE with the workflow's Call-ID, forked
// to every contact of the dialled account (same Call-ID and From tag, one transaction per contact),
// the first 2xx wins and is ACKed, the others are CANCELled. What the device does comes back as
// events through `deliver(callid, event)` (the SipEventRouter), in arrival order.
//
// Media: each call has a relay session whose b side faces the device; the offer is ours, written on
// the b side's ports (PCMU, PCMA, telephone-event, sendrecv). The a side stays unconnected until a
// join (not written yet), so the device hears silence; the media timeout is not started.
import type { Clock, TimerHandle } from '../lib/clock.ts';
import type { Logger } from '../lib/log.ts';
import type { MediaManager } from '../media/media-manager.ts';
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
import { B2buaError } from './b2bua-error.ts';
import { bestResponse } from './best-response.ts';
import type { ExtraDialogs } from './call-manager.ts';
import { forkTarget } from './fork-target.ts';
import { MediaAnchor, SDP_CONTENT_TYPE, hasSdp } from './media-anchor.ts';
import { ourContact } from './our-contact.ts';
import type { Router } from './router.ts';
import { DIALOG_METHODS, allow } from './sip-methods.ts';

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
}

/** The node's own ringing guard, past the script's timer (which governs): timeoutSec plus this. */
const RING_GUARD_EXTRA_MS = 10_000;
/** Ended Call-IDs remembered, so a replayed placeCall sends nothing. */
const ENDED_MEMORY = 10_000;
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

interface ReferState {
  accepted: boolean;
  done: boolean;
  notified: boolean;
}

interface ServiceCall {
  readonly callid: string;
  readonly domain: string;
  /** Our From URI: the Referred-By of our REFERs. */
  readonly fromUri: string;
  readonly forks: Fork[];
  readonly anchor: MediaAnchor;
  state: State;
  lastProvisional: number;
  dialog: SipDialog | undefined;
  destination: Destination | undefined;
  ack: SipRequest | undefined;
  readonly lateAcks: Map<string, SipRequest>;
  refer: ReferState | undefined;
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
    if (request.replaces !== undefined) throw new B2buaError('B2BUA_NOT_SUPPORTED', 'placeCall with replaces is not supported yet');
    if (request.sdpFrom !== undefined) throw new B2buaError('B2BUA_NOT_SUPPORTED', 'placeCall with sdpFrom is not supported yet');
    const { targets, toUri, intercom } = this.#route(request);
    this.#placing.add(callid);
    let anchor: MediaAnchor;
    try {
      const session = await this.#o.media.createSession(`svc:${callid}`);
      anchor = new MediaAnchor(session, this.#o.media.address);
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
    const offer = this.#offer(anchor);
    const headers: [string, string][] = [allow(DIALOG_METHODS) as [string, string]];
    const extra = Object.entries(request.headers).filter(([, v]) => v !== '');
    const has = (name: string) => extra.some(([n]) => n.toLowerCase() === name);
    if (intercom && !has('call-info')) headers.push(['Call-Info', `<sip:${request.domain}>;answer-after=0`]);
    if (intercom && !has('alert-info')) headers.push(['Alert-Info', INTERCOM_ALERT_INFO]);
    headers.push(...extra);
    if (request.referredBy !== undefined) headers.push(['Referred-By', `<${request.referredBy}>`]);
    let resolveFinished = () => {};
    const finished = new Promise<void>((r) => (resolveFinished = r));
    const call: ServiceCall = {
      callid,
      domain: request.domain,
      fromUri: formatUri(fromUri),
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

  /** number/login (feature codes included) of the domain → its contacts; another URI → itself. */
  #route(request: PlaceCallRequest): { targets: Target[]; toUri: Uri; intercom: boolean } {
    const domainUri = parseUri(`sip:${request.domain}`, 'Request-URI');
    const domain = this.#o.router.domainOf(domainUri);
    let user: string = request.to;
    if (/^sips?:/i.test(request.to)) {
      const uri = parseUri(request.to, 'Request-URI');
      const ours = uri.kind === 'sip' ? this.#o.router.domainOf(uri) : undefined;
      if (!ours) {
        const endpoint = uriEndpoint(uri);
        if (!endpoint) throw new B2buaError('B2BUA_NO_ROUTE', `no way to reach ${request.to}`);
        return { targets: [{ requestUri: uri, destination: endpoint }], toUri: uri, intercom: false };
      }
      if (uri.kind !== 'sip' || uri.user === undefined) throw new B2buaError('B2BUA_NO_ROUTE', `no user in ${request.to}`);
      user = uri.user;
    }
    if (!domain) throw new B2buaError('B2BUA_NO_ROUTE', `unknown domain ${request.domain}`);
    const route = this.#o.router.resolve(domain, user);
    if (route.kind !== 'account') throw new B2buaError('B2BUA_NO_ROUTE', `${request.to} is ${route.kind === 'conference' ? 'a conference room (not supported)' : 'not an account'} of ${request.domain}`);
    const targets = this.#o.location.lookup(route.account.aor).flatMap((b) => forkTarget(b) ?? []);
    if (targets.length === 0) throw new B2buaError('B2BUA_NO_ROUTE', `${request.to} has no reachable contact`);
    return { targets, toUri: sipUri({ user: route.dialled, host: domain.name }), intercom: route.intercom };
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
        call.anchor.relay('b', res.body);
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
    switch (req.method) {
      case 'BYE':
        tx.reply(200);
        if (call.state === 'answered') {
          call.dialog.terminate();
          this.#emit(call.callid, { type: 'sip.bye' });
          this.#end(call);
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
    const event = (req.headers.get('event') ?? '').split(';')[0]!.trim().toLowerCase();
    if (event !== 'refer') {
      tx.reply(489);
      return;
    }
    const refer = call.refer;
    if (!refer || refer.done) {
      tx.reply(481, 'Subscription Does Not Exist');
      return;
    }
    tx.reply(200);
    // A NOTIFY may overtake the 202 (RFC 3515 §2.4.4 allows it): it proves the REFER accepted.
    if (!refer.accepted) {
      refer.accepted = true;
      this.#emit(call.callid, { type: 'refer.accepted' });
    }
    const ct = req.contentType;
    if (ct && `${ct.type}/${ct.subtype}`.toLowerCase() === 'message/sipfrag' && req.body.length > 0) {
      refer.notified = true;
      this.#emit(call.callid, { type: 'notify.sipfrag', sipfrag: req.body.toString('utf8').slice(0, 4096) });
    }
    const state = (req.headers.get('subscription-state') ?? '').split(';')[0]!.trim().toLowerCase();
    if (state === 'terminated') {
      refer.done = true;
      if (!refer.notified) this.#emit(call.callid, { type: 'notify.none' });
    }
  }

  // ---- REFER, hangup -------------------------------------------------------------------------------

  async sendRefer(request: SendReferRequest, _ctx: SipRequestContext): Promise<void> {
    const call = this.#calls.get(request.callid);
    if (!call || call.state !== 'answered' || !call.dialog || !call.destination || call.dialog.state === DialogState.Terminated) {
      throw new B2buaError('B2BUA_NO_SUCH_CALL', `no answered service call ${request.callid}`);
    }
    if (request.replaces !== undefined) throw new B2buaError('B2BUA_NOT_SUPPORTED', 'REFER with Replaces is not supported yet');
    const target = /^sips?:/i.test(request.referTo) ? request.referTo : formatUri(sipUri({ user: request.referTo, host: call.domain }));
    const refer: ReferState = { accepted: false, done: false, notified: false };
    call.refer = refer;
    const out = call.dialog.createRequest('REFER', { headers: [['Refer-To', `<${target}>`], ['Referred-By', `<${call.fromUri}>`]] });
    const sent = this.#send(out, call.destination, (res) => {
      if (res.status < 200) return;
      if (res.status < 300) {
        if (!refer.accepted) {
          refer.accepted = true;
          this.#emit(call.callid, { type: 'refer.accepted' });
        }
      } else if (!refer.accepted) {
        refer.done = true;
        this.#emit(call.callid, { type: 'refer.rejected', status: res.status, reason: res.reason });
      }
    });
    if (!sent) throw new B2buaError('B2BUA_NO_ROUTE', `REFER on ${request.callid} could not be sent`);
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

  async sendDtmf(_request: SendDtmfRequest, _ctx: SipRequestContext): Promise<void> {
    throw new B2buaError('B2BUA_NOT_SUPPORTED', 'sendDtmf is not supported by the SIP node yet');
  }

  async joinLegs(_request: JoinLegsRequest, _ctx: SipRequestContext): Promise<JoinLegsResult> {
    throw new B2buaError('B2BUA_NOT_SUPPORTED', 'joinLegs is not supported by the SIP node yet');
  }

  /** Shutdown: every call hung up; after `graceMs` whatever is left is dropped. */
  async closeAll(graceMs: number): Promise<void> {
    this.#closing = true;
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
    call.anchor.close().catch((e: unknown) => this.#log.error('media session not closed', { err: e instanceof Error ? e.message : String(e) }));
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
