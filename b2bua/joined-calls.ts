// The node's joined dialogs (joined-call.ts): joinLegs makes them out of two answered service calls,
// and from then on they are found like B2B calls: by dialog id (DELETE, DTMF), by the devices'
// dialogs (their requests, a retransmitted 2xx), by Call-ID; shutdown and leak counts include them.
import type { JoinLegsRequest, JoinLegsResult, SipRequestContext } from '../activities/sip-activities.ts';
import type { CallEventBus } from '../events/call-events.ts';
import type { Clock, TimerHandle } from '../lib/clock.ts';
import type { Logger } from '../lib/log.ts';
import type { Side } from '../media/relay-session.ts';
import { dialogIdOfRequest, dialogKey } from '../sip/dialog/index.ts';
import type { SipResponse, Uri } from '../sip/message/index.ts';
import type { ServerTransaction, TransactionLayer } from '../sip/transaction/index.ts';
import type { CallStore } from '../store/call-store.ts';
import type { Participant } from '../store/dialog.ts';
import { newDialogId, newInviteId } from '../store/ids.ts';
import type { AnsweredCall } from './answered-call.ts';
import { B2buaError } from './b2bua-error.ts';
import type { ExtraDialogs } from './call-manager.ts';
import { participantOf } from './call-record.ts';
import type { EndCause } from './end-cause.ts';
import { JoinedCall } from './joined-call.ts';
import type { Router } from './router.ts';

/** Where the service calls are taken from. */
export interface AnsweredCalls {
  answered(callid: string): AnsweredCall | undefined;
  handOver(callid: string): AnsweredCall | undefined;
}

export interface JoinedCallsOptions {
  readonly node: string;
  readonly site: string;
  readonly transactions: TransactionLayer;
  readonly store: CallStore;
  readonly events: CallEventBus;
  readonly router: Router;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly serviceCalls: AnsweredCalls;
}

export class JoinedCalls implements ExtraDialogs {
  readonly #o: JoinedCallsOptions;
  readonly #log: Logger;
  readonly #calls = new Map<string, JoinedCall>();
  readonly #byKey = new Map<string, { call: JoinedCall; side: Side }>();
  readonly #byCallid = new Map<string, { call: JoinedCall; side: Side }>();
  readonly #bySession = new Map<string, JoinedCall>();
  #closing = false;

  constructor(o: JoinedCallsOptions) {
    this.#o = o;
    this.#log = o.logger.child('joins');
  }

  /** Live joined dialogs. */
  get size(): number {
    return this.#calls.size;
  }

  /** Table sizes, for leak checks: all zero once every joined call is over. */
  counts(): { calls: number; dialogs: number; callids: number; sessions: number } {
    return { calls: this.#calls.size, dialogs: this.#byKey.size, callids: this.#byCallid.size, sessions: this.#bySession.size };
  }

  get(dialogid: string): JoinedCall | undefined {
    return this.#calls.get(dialogid);
  }

  /** The joined call a Call-ID belongs to, and its side. */
  byCallid(callid: string): { call: JoinedCall; side: Side } | undefined {
    return this.#byCallid.get(callid);
  }

  /**
   * RFC 3725: two answered service calls, the second placed with sdpFrom the first (so their media
   * already meet in one relay session), become one dialog: a = the first. Nothing is sent; throws
   * (and leaves both calls as they were) when they cannot be joined.
   */
  async joinLegs(request: JoinLegsRequest, ctx: SipRequestContext): Promise<JoinLegsResult> {
    const [xid, yid] = request.callids;
    if (this.#closing) throw new B2buaError('B2BUA_NO_ROUTE', 'the node is stopping');
    if (xid === yid) throw new B2buaError('B2BUA_BAD_REQUEST', 'joinLegs needs two different calls');
    const sc = this.#o.serviceCalls;
    for (const id of [xid, yid]) if (!sc.answered(id)) throw new B2buaError('B2BUA_NO_SUCH_CALL', `no answered service call ${id} to join`);
    if (sc.answered(xid)!.anchor !== sc.answered(yid)!.anchor) {
      // Joining two separate relays would need a re-INVITE of one device (RFC 3725 §4.1 flow I).
      throw new B2buaError('B2BUA_NOT_SUPPORTED', `${yid} was not placed with sdpFrom ${xid} (or the other way round): their media do not meet`);
    }
    const a = sc.handOver(xid)!;
    const b = sc.handOver(yid)!;
    const store = this.#o.store;
    const dialogid = newDialogId(this.#o.node, (id) => this.#calls.has(id) || store.get(id) !== undefined);
    const call = new JoinedCall(
      {
        site: this.#o.site,
        transactions: this.#o.transactions,
        store,
        events: this.#o.events,
        clock: this.#o.clock,
        logger: this.#o.logger,
        ended: (c) => this.#forget(c),
      },
      { dialogid, inviteid: newInviteId(), a, b, participants: this.#participants(a, b), opts: { bindings: [...request.bindings] } },
    );
    this.#calls.set(dialogid, call);
    const keys = call.dialogKeys;
    for (const side of ['a', 'b'] as const) {
      this.#byKey.set(keys[side], { call, side });
      this.#byCallid.set(call.callid(side), { call, side });
    }
    this.#bySession.set(call.sessionId, call);
    call.start();
    this.#log.info('joined', { dialogid, a: xid, b: yid, workflowId: ctx.workflowId });
    return { dialogid, acallid: xid };
  }

  /** The accounts the devices are (the To of each call), for scoping: who may see the dialog. */
  #participants(...legs: AnsweredCall[]): Participant[] {
    const out: Participant[] = [];
    for (const leg of legs) {
      const p = this.#accountOf(leg.dialog.remoteUri.uri);
      if (p && !out.some((q) => q.domain === p.domain && q.sipuserId === p.sipuserId)) out.push(p);
    }
    return out;
  }

  #accountOf(uri: Uri): Participant | undefined {
    const domain = this.#o.router.domainOf(uri);
    if (!domain || uri.kind !== 'sip') return undefined;
    const route = this.#o.router.resolve(domain, uri.user);
    return route.kind === 'account' ? participantOf(route.account) : undefined;
  }

  handleInDialog(tx: ServerTransaction): boolean {
    const id = dialogIdOfRequest(tx.request);
    const entry = id && this.#byKey.get(dialogKey(id));
    if (!entry) return false;
    entry.call.onRequest(entry.side, tx);
    return true;
  }

  handleStrayResponse(res: SipResponse): boolean {
    const entry = res.callId === undefined ? undefined : this.#byCallid.get(res.callId);
    if (!entry || res.cseq?.method !== 'INVITE' || res.status < 200 || res.status >= 300) return false;
    return entry.call.onStray2xx(entry.side, res);
  }

  /** The API's DELETE (through the call manager): undefined when no joined call has that id. */
  hangupDialog(dialogid: string, cause: EndCause): Promise<void> | undefined {
    return this.#calls.get(dialogid)?.hangup(cause);
  }

  /** No RTP from either device for the media timeout: the call ends like a B2B call does. */
  mediaTimeout(sessionId: string): void {
    const call = this.#bySession.get(sessionId);
    if (call) void call.hangup('media-timeout');
  }

  /** Shutdown: every joined call ended (BYE both); after `graceMs` whatever is left is dropped. */
  async closeAll(graceMs: number): Promise<void> {
    this.#closing = true;
    const calls = [...this.#calls.values()];
    if (calls.length === 0) return;
    let timer: TimerHandle | undefined;
    const grace = new Promise<void>((resolve) => (timer = this.#o.clock.setTimeout(resolve, graceMs)));
    await Promise.race([Promise.all(calls.map((c) => c.hangup('shutdown'))), grace]);
    this.#o.clock.clearTimeout(timer);
    for (const c of [...this.#calls.values()]) c.dispose();
  }

  #forget(call: JoinedCall): void {
    if (this.#calls.get(call.dialogid) === call) this.#calls.delete(call.dialogid);
    const keys = call.dialogKeys;
    for (const side of ['a', 'b'] as const) {
      if (this.#byKey.get(keys[side])?.call === call) this.#byKey.delete(keys[side]);
      if (this.#byCallid.get(call.callid(side))?.call === call) this.#byCallid.delete(call.callid(side));
    }
    if (this.#bySession.get(call.sessionId) === call) this.#bySession.delete(call.sessionId);
  }
}

/** Asks each in turn: the first that takes the request (or response) wins. */
export function firstOf(...all: ExtraDialogs[]): ExtraDialogs {
  return {
    handleInDialog: (tx) => all.some((x) => x.handleInDialog(tx)),
    handleStrayResponse: (res) => all.some((x) => x.handleStrayResponse(res)),
    hangupDialog: (dialogid, cause) => {
      for (const x of all) {
        const p = x.hangupDialog?.(dialogid, cause);
        if (p) return p;
      }
      return undefined;
    },
  };
}
