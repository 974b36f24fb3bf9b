// A fake SIP peer for the operation tests: implements ServiceCallPort as the SIP node would, and
// plays scripted far ends back through the event router, as the real node will (`deliver(callid,
// event)` → signal). Who answers what is set per dialled number (`callees`) and per REFER target
// (`transfers`); anything unscripted rings forever, and a REFER to an unscripted target gets no
// NOTIFY at all. Every request is logged for assertions.
import type {
  HangupRequest,
  JoinLegsRequest,
  JoinLegsResult,
  PlaceCallRequest,
  SendDtmfRequest,
  SendReferRequest,
  ServiceCallPort,
  SipRequestContext,
} from '../../activities/sip-activities.ts';
import type { SipEventBody } from '../../operations/sip-event-router.ts';

export interface CalleeScript {
  /** A 1xx this long after the INVITE (default 20 ms, 180 Ringing); `null`: none. */
  ring?: { afterMs: number; status?: number; reason?: string } | null;
  /** 200 OK this long after the INVITE. */
  answerAfterMs?: number;
  /** A final failure this long after the INVITE. */
  fail?: { afterMs: number; status: number; reason: string };
  /** Neither: it rings until hung up. */
}

export interface NotifyScript {
  afterMs: number;
  sipfrag: string;
  acallid?: string;
  dialogid?: string;
}

export interface TransferScript {
  /** The REFER refused with this status. */
  reject?: { status: number; reason: string };
  /** NOTIFYs after the 202, each at its time after the REFER; none at all when absent. */
  notify?: NotifyScript[];
  /** The subscription ends with no usable NOTIFY, this long after the REFER. */
  notifyNoneAfterMs?: number;
  /** The device hangs up the service call this long after the REFER (the transfer done). */
  byeAfterMs?: number;
}

export type Deliver = (callid: string, event: SipEventBody) => Promise<unknown>;

export type FakeRequest =
  | { method: 'placeCall'; request: PlaceCallRequest; ctx: SipRequestContext }
  | { method: 'sendRefer'; request: SendReferRequest; ctx: SipRequestContext }
  | { method: 'sendDtmf'; request: SendDtmfRequest; ctx: SipRequestContext }
  | { method: 'hangup'; request: HangupRequest; ctx: SipRequestContext }
  | { method: 'joinLegs'; request: JoinLegsRequest; ctx: SipRequestContext };

interface RequestOf {
  placeCall: PlaceCallRequest;
  sendRefer: SendReferRequest;
  sendDtmf: SendDtmfRequest;
  hangup: HangupRequest;
  joinLegs: JoinLegsRequest;
}

type CallState = 'ringing' | 'answered' | 'ended';

export class FakeSipPeer implements ServiceCallPort {
  readonly requests: FakeRequest[] = [];
  /** Events sent to the router, in order: `callid type [status]`. */
  readonly delivered: string[] = [];
  callees: Record<string, CalleeScript> = {};
  transfers: Record<string, TransferScript> = {};
  private deliverTo: Deliver | undefined;
  private readonly calls = new Map<string, CallState>();
  private readonly timers = new Map<string, Set<ReturnType<typeof setTimeout>>>();
  private joins = 0;

  /** Where events go: the router's `deliver`, bound once the router exists. */
  connect(deliver: Deliver): void {
    this.deliverTo = deliver;
  }

  /** Forget the previous test's script and logs (timers of its calls are cancelled). */
  reset(script: { callees?: Record<string, CalleeScript>; transfers?: Record<string, TransferScript> } = {}): void {
    this.close();
    this.requests.length = 0;
    this.delivered.length = 0;
    this.calls.clear();
    this.joins = 0;
    this.callees = script.callees ?? {};
    this.transfers = script.transfers ?? {};
  }

  /** Requests of one method, in order. */
  sent<M extends keyof RequestOf>(method: M): Array<RequestOf[M]> {
    return this.requests.filter((r) => r.method === method).map((r) => r.request as RequestOf[M]);
  }

  async placeCall(request: PlaceCallRequest, ctx: SipRequestContext): Promise<void> {
    this.requests.push({ method: 'placeCall', request, ctx });
    if (this.calls.has(request.callid)) return; // idempotent by Call-ID, as the port requires
    this.calls.set(request.callid, 'ringing');
    const script = this.callees[request.to] ?? {};
    const ring = script.ring === undefined ? { afterMs: 20 } : script.ring;
    if (ring) {
      this.later(request.callid, ring.afterMs, () =>
        this.calls.get(request.callid) === 'ringing'
          ? this.emit(request.callid, { type: 'sip.provisional', status: ring.status ?? 180, reason: ring.reason ?? 'Ringing' })
          : undefined,
      );
    }
    if (script.answerAfterMs !== undefined) {
      this.later(request.callid, script.answerAfterMs, () => {
        if (this.calls.get(request.callid) !== 'ringing') return;
        this.calls.set(request.callid, 'answered');
        this.emit(request.callid, { type: 'sip.answered', status: 200, reason: 'OK' });
      });
    } else if (script.fail) {
      const { status, reason } = script.fail;
      this.later(request.callid, script.fail.afterMs, () => {
        if (this.calls.get(request.callid) !== 'ringing') return;
        this.calls.set(request.callid, 'ended');
        this.emit(request.callid, { type: 'sip.failed', status, reason });
      });
    }
  }

  async sendRefer(request: SendReferRequest, ctx: SipRequestContext): Promise<void> {
    this.requests.push({ method: 'sendRefer', request, ctx });
    const { callid } = request;
    if (this.calls.get(callid) !== 'answered') throw new Error(`481 no answered call ${callid}`);
    const script = this.transfers[request.referTo] ?? {};
    if (script.reject) {
      const { status, reason } = script.reject;
      this.later(callid, 10, () => this.emit(callid, { type: 'refer.rejected', status, reason }));
      return;
    }
    this.later(callid, 10, () => this.emit(callid, { type: 'refer.accepted' }));
    for (const n of script.notify ?? []) {
      this.later(callid, n.afterMs, () =>
        this.emit(callid, { type: 'notify.sipfrag', sipfrag: n.sipfrag, ...(n.acallid ? { acallid: n.acallid } : {}), ...(n.dialogid ? { dialogid: n.dialogid } : {}) }),
      );
    }
    if (script.notifyNoneAfterMs !== undefined) this.later(callid, script.notifyNoneAfterMs, () => this.emit(callid, { type: 'notify.none' }));
    if (script.byeAfterMs !== undefined) {
      this.later(callid, script.byeAfterMs, () => {
        if (this.calls.get(callid) !== 'answered') return;
        this.calls.set(callid, 'ended');
        this.emit(callid, { type: 'sip.bye' });
      });
    }
  }

  async sendDtmf(request: SendDtmfRequest, ctx: SipRequestContext): Promise<void> {
    this.requests.push({ method: 'sendDtmf', request, ctx });
  }

  async hangup(request: HangupRequest, ctx: SipRequestContext): Promise<void> {
    this.requests.push({ method: 'hangup', request, ctx });
    for (const callid of request.callids) {
      const was = this.calls.get(callid);
      this.calls.set(callid, 'ended');
      this.clear(callid);
      // A CANCELled INVITE ends with 487, as a real device answers it.
      if (was === 'ringing') this.later(callid, 10, () => this.emit(callid, { type: 'sip.failed', status: 487, reason: 'Request Terminated' }));
    }
  }

  async joinLegs(request: JoinLegsRequest, ctx: SipRequestContext): Promise<JoinLegsResult> {
    this.requests.push({ method: 'joinLegs', request, ctx });
    for (const c of request.callids) if (this.calls.get(c) !== 'answered') throw new Error(`cannot join ${c}: not answered`);
    this.joins++;
    return { dialogid: `rDlg-001-JOIN${String(this.joins).padStart(2, '0')}`, acallid: request.callids[0] };
  }

  /** Cancels every pending scripted event. */
  close(): void {
    for (const set of this.timers.values()) for (const t of set) clearTimeout(t);
    this.timers.clear();
  }

  private later(callid: string, ms: number, fn: () => void): void {
    let set = this.timers.get(callid);
    if (!set) this.timers.set(callid, (set = new Set()));
    const t = setTimeout(() => {
      set.delete(t);
      fn();
    }, ms);
    set.add(t);
  }

  private clear(callid: string): void {
    for (const t of this.timers.get(callid) ?? []) clearTimeout(t);
    this.timers.delete(callid);
  }

  private emit(callid: string, event: SipEventBody): void {
    const status = 'status' in event ? ` ${event.status}` : 'sipfrag' in event ? ` ${event.sipfrag}` : '';
    this.delivered.push(`${event.type}${status}`);
    if (!this.deliverTo) throw new Error('FakeSipPeer: connect(deliver) first');
    void this.deliverTo(callid, event);
  }
}
