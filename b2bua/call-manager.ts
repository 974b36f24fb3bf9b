// The B2B call manager: starts a call for each authenticated, routed INVITE, finds the call of every
// request, ACK, CANCEL and stray response that belongs to one (by dialog id, RFC 3261 §12.2.2;
// by INVITE transaction, §9.2), and ends calls on demand (the API's DELETE, shutdown).
import type { Clock, TimerHandle } from '../lib/clock.ts';
import type { Logger } from '../lib/log.ts';
import type { CallEventBus } from '../events/call-events.ts';
import type { MediaManager } from '../media/media-manager.ts';
import type { RelaySession, Side } from '../media/relay-session.ts';
import { dialogIdOfRequest, dialogKey } from '../sip/dialog/index.ts';
import type { SipRequest, SipResponse } from '../sip/message/index.ts';
import type { LocationService, SipAccount, SipDomain } from '../sip/registrar/index.ts';
import type { InviteServerTransaction, ServerTransaction, TransactionLayer } from '../sip/transaction/index.ts';
import type { Source, TransportLayer } from '../sip/transport/index.ts';
import type { CallStore } from '../store/call-store.ts';
import { newDialogId, newInviteId } from '../store/ids.ts';
import { B2bCall, type CallContext, type CallLeg, type InDialogReferHook } from './b2b-call.ts';
import type { B2bFork } from './b2b-fork.ts';
import { B2buaError } from './b2bua-error.ts';
import type { EndCause } from './end-cause.ts';
import { forkTarget } from './fork-target.ts';
import { MediaAnchor, SDP_CONTENT_TYPE, hasSdp, sdpFailure } from './media-anchor.ts';
import type { ReferredCallMatcher } from './referred-call-matcher.ts';

/** Nobody answered within this: the forks are cancelled and the caller gets 480 (default 60 s). */
export const DEFAULT_NO_ANSWER_TIMEOUT_MS = 60_000;

export interface CallManagerOptions {
  readonly node: string;
  readonly site: string;
  readonly transactions: TransactionLayer;
  readonly transport: TransportLayer;
  readonly location: LocationService;
  readonly media: MediaManager;
  readonly store: CallStore;
  readonly events: CallEventBus;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly noAnswerTimeoutMs?: number;
  /** REFER within a call: the hook may take it (operations engine, later); otherwise it is relayed. */
  readonly onInDialogRefer?: InDialogReferHook;
  /** Recognises the calls our service calls' REFERs asked for (their labels, their ids for the operation). */
  readonly referrals?: ReferredCallMatcher;
}

/** An INVITE the node has authenticated and routed to an account. */
export interface RoutedInvite {
  readonly tx: InviteServerTransaction;
  readonly source: Source;
  readonly arrivedAt: number;
  readonly domain: SipDomain;
  readonly caller: SipAccount;
  readonly callee: SipAccount;
  readonly dialled: string;
  readonly intercom: boolean;
  /** For the b legs: the caller's Max-Forwards minus one. */
  readonly maxForwards: number;
}

/** Dialogs the manager does not own (the node's service calls): asked before a request gets 481. */
export interface ExtraDialogs {
  /** True when the request belonged to one of its dialogs (and was answered). */
  handleInDialog(tx: ServerTransaction): boolean;
  /** True when the response was one of its own. */
  handleStrayResponse(res: SipResponse): boolean;
  /** Ends a dialog of its own (a joined call) for hangup(); undefined when it has none with that id. */
  hangupDialog?(dialogid: string, cause: EndCause): Promise<void> | undefined;
}

interface DialogEntry {
  readonly call: B2bCall;
  readonly side: Side;
  readonly fork: B2bFork | undefined;
}

export class CallManager {
  readonly #o: CallManagerOptions;
  readonly #log: Logger;
  readonly #ctx: CallContext;
  readonly #calls = new Map<string, B2bCall>();
  readonly #dialogs = new Map<string, DialogEntry>();
  readonly #cancellers = new Map<ServerTransaction, () => void>();
  readonly #forks = new Map<string, { call: B2bCall; fork: B2bFork }>();
  #closing = false;
  #extra: ExtraDialogs | undefined;

  constructor(opts: CallManagerOptions) {
    this.#o = opts;
    this.#log = opts.logger.child('calls');
    this.#ctx = {
      node: opts.node,
      site: opts.site,
      transactions: opts.transactions,
      transport: opts.transport,
      store: opts.store,
      events: opts.events,
      clock: opts.clock,
      logger: opts.logger,
      noAnswerTimeoutMs: opts.noAnswerTimeoutMs ?? DEFAULT_NO_ANSWER_TIMEOUT_MS,
      onInDialogRefer: opts.onInDialogRefer,
      bindDialog: (key, call, side, fork) => this.#dialogs.set(key, { call, side, fork }),
      unbindDialog: (key) => this.#dialogs.delete(key),
      bindServerInvite: (tx, onCancel) => this.#cancellers.set(tx, onCancel),
      unbindServerInvite: (tx) => this.#cancellers.delete(tx),
      bindForkCallId: (callId, call, fork) => this.#forks.set(callId, { call, fork }),
      unbindForkCallId: (callId) => this.#forks.delete(callId),
      ended: (call) => {
        if (this.#calls.get(call.dialogid) === call) this.#calls.delete(call.dialogid);
      },
    };
  }

  /** Who takes in-dialog requests and stray responses that match no call (service calls). */
  setExtraDialogs(extra: ExtraDialogs): void {
    this.#extra = extra;
  }

  /** Live calls. */
  get size(): number {
    return this.#calls.size;
  }

  /** Table sizes, for leak checks: all zero once every call is over. */
  counts(): { calls: number; dialogs: number; invites: number; forks: number } {
    return { calls: this.#calls.size, dialogs: this.#dialogs.size, invites: this.#cancellers.size, forks: this.#forks.size };
  }

  get(dialogid: string): B2bCall | undefined {
    return this.#calls.get(dialogid);
  }

  /** The answered leg with this Call-ID (a or b), in whichever call has it. */
  findLeg(callid: string): CallLeg | undefined {
    const fork = this.#forks.get(callid);
    if (fork) return fork.call.legOf(callid);
    for (const call of this.#calls.values()) if (call.acallid === callid) return call.legOf(callid);
    return undefined;
  }

  /**
   * Sets up a call for a routed INVITE: the called account's contacts (480 when it has none), the
   * caller's offer (488/415/400 when unusable), a relay session (503 when no ports are left), then
   * the forks. Every failure is answered on `tx`; nothing is thrown.
   */
  async startCall(invite: RoutedInvite): Promise<void> {
    const { tx } = invite;
    const req = tx.request;
    if (this.#closing) {
      tx.reply(503, 'Service Unavailable - Shutting Down', { headers: [['Retry-After', '5']] });
      return;
    }
    const targets = this.#o.location.lookup(invite.callee.aor).flatMap((b) => forkTarget(b) ?? []);
    if (targets.length === 0) {
      // A known account that no device can be reached for.
      tx.reply(480, 'Temporarily Unavailable');
      return;
    }
    // §8.1.1.8: an INVITE must have a Contact; we need it as the a leg's remote target.
    const contact = req.contacts[0];
    if (contact === undefined || contact === '*' || contact.uri.kind !== 'sip' || req.from?.tag === undefined) {
      tx.reply(400, 'Bad Request - Missing Contact or From Tag');
      return;
    }
    // §13.2.1: the offer is in the INVITE, or (late offer) there is no body and it comes from B.
    if (!hasSdp(req) && req.body.length > 0) {
      tx.reply(415, undefined, { headers: [['Accept', SDP_CONTENT_TYPE]] });
      return;
    }
    const dialogid = newDialogId(this.#o.node, (id) => this.#calls.has(id) || this.#o.store.get(id) !== undefined);
    let session: RelaySession;
    try {
      session = await this.#o.media.createSession(dialogid, {
        onTimeout: () => {
          const call = this.#calls.get(dialogid);
          if (call) void call.hangup('media-timeout');
        },
      });
    } catch (e) {
      this.#log.warn('no media session for a call', { err: e instanceof Error ? e.message : String(e), callid: req.callId });
      tx.reply(503, 'Service Unavailable - No Media Ports', { headers: [['Retry-After', '5']] });
      return;
    }
    // The caller may have given up (CANCEL) while the ports were being bound.
    if (tx.finalResponse !== undefined || this.#closing) {
      if (tx.finalResponse === undefined) tx.reply(503, 'Service Unavailable - Shutting Down');
      await session.close();
      return;
    }
    const anchor = new MediaAnchor(session, this.#o.media.address);
    let offer: Buffer | undefined;
    try {
      if (hasSdp(req)) offer = anchor.relay('a', req.body);
    } catch (e) {
      await session.close();
      const f = sdpFailure(e);
      if (!f) throw e;
      tx.reply(f.status, f.reason);
      return;
    }
    // A call one of our REFERs asked for starts with the operation's labels and the referrer.
    const referral = this.#o.referrals?.claim({ request: req, caller: invite.caller, callee: invite.callee, dialled: invite.dialled });
    const call = new B2bCall(this.#ctx, {
      dialogid,
      inviteid: newInviteId(),
      startts: invite.arrivedAt,
      tx,
      source: invite.source,
      domain: invite.domain,
      caller: invite.caller,
      callee: invite.callee,
      dialled: invite.dialled,
      intercom: invite.intercom,
      maxForwards: invite.maxForwards,
      anchor,
      offer,
      targets,
      ...(referral && { opts: { ...referral.opts, ...(referral.opts.bindings && { bindings: [...referral.opts.bindings] }) } }),
    });
    this.#calls.set(dialogid, call);
    call.start();
    if (referral) {
      this.#log.info('referred call recognised', { dialogid, callid: call.acallid, referrer: referral.callid });
      referral.onMatched({ acallid: call.acallid, dialogid });
    }
  }

  /** A request with a To tag (anything but CANCEL): its dialog's call, or 481 (§12.2.2). */
  handleInDialog(tx: ServerTransaction): void {
    const id = dialogIdOfRequest(tx.request);
    const entry = id && this.#dialogs.get(dialogKey(id));
    if (!entry) {
      if (this.#extra?.handleInDialog(tx)) return;
      tx.reply(481);
      return;
    }
    entry.call.onRequest(entry.side, entry.fork, tx);
  }

  /** §9.2: a CANCEL. 481 when no INVITE transaction matches; else 200, and the INVITE is ended. */
  handleCancel(tx: ServerTransaction): void {
    const invite = this.#o.transactions.findInviteForCancel(tx.request);
    if (!invite) {
      tx.reply(481);
      return;
    }
    tx.reply(200);
    const cancel = this.#cancellers.get(invite);
    if (cancel) cancel();
    // Not yet a call (being authenticated or set up): the INVITE is answered 487 here; the setup
    // sees the final response and stops.
    else if (invite.finalResponse === undefined) invite.reply(487);
  }

  /** An ACK for a 2xx (the layer absorbs the others): to its dialog's call; unknown ones are dropped. */
  handleAck(ack: SipRequest): void {
    const id = dialogIdOfRequest(ack);
    const entry = id && this.#dialogs.get(dialogKey(id));
    if (entry) entry.call.onAck(entry.side, ack);
    else this.#log.debug('ACK for no dialog dropped', { callid: ack.callId });
  }

  /** A response no client transaction took: a 2xx retransmitted after Timer M, on a b leg of ours. */
  handleStrayResponse(res: SipResponse): void {
    const callId = res.callId;
    const entry = callId === undefined ? undefined : this.#forks.get(callId);
    if (entry && res.from?.tag === entry.fork.localTag) entry.call.onStrayResponse(entry.fork, res);
    else if (!entry) this.#extra?.handleStrayResponse(res);
  }

  /** Ends a call: BYE to answered legs, CANCEL to ringing forks. Resolves when it is over. */
  hangup(dialogid: string, cause: EndCause = 'hangup'): Promise<void> {
    const call = this.#calls.get(dialogid);
    if (!call) return this.#extra?.hangupDialog?.(dialogid, cause) ?? Promise.reject(new B2buaError('B2BUA_NO_SUCH_DIALOG', `no call ${dialogid}`));
    return call.hangup(cause);
  }

  /**
   * Shutdown: new calls are refused (503), every call is ended, and after `graceMs` (on the clock)
   * the calls whose legs have not answered the BYE or CANCEL are dropped anyway.
   */
  async closeAll(graceMs: number): Promise<void> {
    this.#closing = true;
    const calls = [...this.#calls.values()];
    if (calls.length === 0) return;
    this.#log.info('ending every call', { calls: calls.length });
    let timer: TimerHandle | undefined;
    const grace = new Promise<void>((resolve) => (timer = this.#o.clock.setTimeout(resolve, graceMs)));
    await Promise.race([Promise.all(calls.map((c) => c.hangup('shutdown'))), grace]);
    this.#o.clock.clearTimeout(timer);
    for (const c of this.#calls.values()) c.dispose();
  }
}
