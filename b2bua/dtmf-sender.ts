// DTMF from the node to one device (the operations' sendDtmf; the spec's SEND_DTMF later):
// - rfc2833: RFC 4733 telephone-event packets, with the payload type the device agreed, from the
//   relay socket facing it to where its media goes (media/dtmf/dtmf-player.ts);
// - sipinfo: one INFO per digit in the device's dialog, `application/dtmf-relay` (the de facto
//   format: `Signal=` and `Duration=` lines), each after the previous one's final response.
// Each device stream has one player, hence one queue: digits asked for meanwhile wait their turn.
import type { SendDtmfRequest } from '../activities/sip-activities.ts';
import type { Clock } from '../lib/clock.ts';
import type { Logger } from '../lib/log.ts';
import { DtmfError, DtmfPlayer } from '../media/dtmf/dtmf-player.ts';
import { dtmfEvent } from '../media/dtmf/telephone-event.ts';
import type { RelaySession, Side } from '../media/relay-session.ts';
import { DialogState, type SipDialog } from '../sip/dialog/index.ts';
import type { SipResponse } from '../sip/message/index.ts';
import type { TransactionLayer } from '../sip/transaction/index.ts';
import type { Destination } from '../sip/transport/index.ts';
import type { AnsweredCall } from './answered-call.ts';
import { B2buaError } from './b2bua-error.ts';

/** One device, as DTMF toward it needs it. */
export interface DtmfLeg {
  /** The relay session its media runs through, and the side facing it. */
  readonly session: RelaySession;
  readonly side: Side;
  /** The telephone-event payload type its SDP gave; undefined when it agreed to none. */
  readonly payloadType: number | undefined;
  /** Its dialog (we send INFO in it) and where its requests go. */
  readonly dialog: SipDialog;
  readonly destination: Destination;
}

export type DtmfTarget = SendDtmfRequest['target'];

export interface DtmfSenderOptions {
  readonly transactions: TransactionLayer;
  readonly clock: Clock;
  readonly logger: Logger;
  /** The device a target names (a service call, a joined dialog's side, a B2B call's side). */
  readonly find: (target: DtmfTarget) => DtmfLeg | undefined;
}

/** The INFO body's Duration, in ms, and the tone length of our RFC 4733 events. */
export const DTMF_TONE_MS = 160;
export const DTMF_RELAY = 'application/dtmf-relay';

export class DtmfSender {
  readonly #o: DtmfSenderOptions;
  readonly #log: Logger;
  /** One player per relay side; it goes with its session. */
  readonly #players = new WeakMap<RelaySession, Partial<Record<Side, DtmfPlayer>>>();
  /** INFO digits likewise queue per dialog: the last request's outcome, settled or not. */
  readonly #infoQueues = new WeakMap<SipDialog, Promise<void>>();

  constructor(o: DtmfSenderOptions) {
    this.#o = o;
    this.#log = o.logger.child('dtmf');
  }

  /** Resolves once every digit is sent; throws when the target is gone or a digit could not go. */
  async send(request: SendDtmfRequest): Promise<void> {
    const digits = request.digits.toUpperCase();
    for (const d of digits) if (dtmfEvent(d) === undefined) throw new B2buaError('B2BUA_BAD_REQUEST', `${JSON.stringify(d)} is not a DTMF digit (0-9 * # A-D)`);
    const leg = this.#o.find(request.target);
    if (!leg || leg.dialog.state === DialogState.Terminated) {
      const t = request.target;
      if ('callid' in t) throw new B2buaError('B2BUA_NO_SUCH_CALL', `no answered call ${t.callid} to send DTMF to`);
      throw new B2buaError('B2BUA_NO_SUCH_DIALOG', `no answered dialog ${t.dialogid} to send DTMF to`);
    }
    if (digits === '') return;
    if (request.proto === 'sipinfo') await this.#info(leg, digits);
    else await this.#rtp(leg, digits);
    this.#log.debug('DTMF sent', { proto: request.proto, digits: digits.length, callid: leg.dialog.id.callId });
  }

  async #rtp(leg: DtmfLeg, digits: string): Promise<void> {
    const pt = leg.payloadType;
    // RFC 4733 §7.1.1: events go only to a device whose description named them.
    if (pt === undefined) throw new B2buaError('B2BUA_NOT_SUPPORTED', `the device of ${leg.dialog.id.callId} agreed to no telephone-event payload`);
    const player = this.#player(leg, pt);
    try {
      await player.play(digits);
    } catch (e) {
      if (e instanceof DtmfError) throw new B2buaError('B2BUA_NO_ROUTE', `DTMF to ${leg.dialog.id.callId}: ${e.message}`, { cause: e });
      throw e;
    }
  }

  #player(leg: DtmfLeg, pt: number): DtmfPlayer {
    let sides = this.#players.get(leg.session);
    if (!sides) this.#players.set(leg.session, (sides = {}));
    const { session, side } = leg;
    const player = (sides[side] ??= new DtmfPlayer({ clock: this.#o.clock, payloadType: pt, toneMs: DTMF_TONE_MS, send: (p) => session.inject(side, p) }));
    player.payloadType = pt;
    return player;
  }

  #info(leg: DtmfLeg, digits: string): Promise<void> {
    const run = (this.#infoQueues.get(leg.dialog) ?? Promise.resolve()).then(() => this.#infoDigits(leg, digits));
    this.#infoQueues.set(leg.dialog, run.catch(() => {}));
    return run;
  }

  async #infoDigits(leg: DtmfLeg, digits: string): Promise<void> {
    for (const d of digits) {
      const res = await this.#sendInfo(leg, `Signal=${d}\r\nDuration=${DTMF_TONE_MS}\r\n`);
      // A refusal (or 481/408: the dialog is gone) stops here; the script drops the rest.
      if (res.status >= 300) throw new B2buaError('B2BUA_NO_ROUTE', `INFO with DTMF to ${leg.dialog.id.callId} refused: ${res.status} ${res.reason}`);
    }
  }

  #sendInfo(leg: DtmfLeg, body: string): Promise<SipResponse> {
    return new Promise((resolve, reject) => {
      let done = false;
      try {
        if (leg.dialog.state === DialogState.Terminated) throw new Error('the dialog is over');
        const req = leg.dialog.createRequest('INFO', { body, contentType: DTMF_RELAY });
        this.#o.transactions.sendRequest(req, leg.destination, {
          onResponse: (res) => {
            if (res.status < 200 || done) return;
            done = true;
            resolve(res);
          },
          onTerminated: () => {
            if (!done) reject(new B2buaError('B2BUA_NO_ROUTE', 'INFO ended without a response'));
            done = true;
          },
        });
      } catch (e) {
        reject(new B2buaError('B2BUA_NO_ROUTE', `INFO with DTMF not sent: ${e instanceof Error ? e.message : String(e)}`, { cause: e }));
      }
    });
  }
}

/** Where DTMF targets are looked up: the node's service calls, joined dialogs and B2B calls. */
export interface DtmfLegSources {
  readonly serviceCalls: { answered(callid: string): AnsweredCall | undefined };
  readonly joined: {
    get(dialogid: string): { dtmfLeg(side: Side): DtmfLeg | undefined } | undefined;
    byCallid(callid: string): { call: { dtmfLeg(side: Side): DtmfLeg | undefined }; side: Side } | undefined;
  };
  readonly calls: { get(dialogid: string): { dtmfLeg(side: Side): DtmfLeg | undefined } | undefined };
}

/**
 * `{callid}`: a service call's device, or, once joined, that call's side of the joined dialog (the
 * invite script sends Y's digits by Y's Call-ID after the join). `{dialogid, side}`: that side of a
 * joined dialog or of a B2B call.
 */
export function findDtmfLeg(sources: DtmfLegSources, target: DtmfTarget): DtmfLeg | undefined {
  if ('callid' in target) {
    const sc = sources.serviceCalls.answered(target.callid);
    if (sc) return { session: sc.anchor.session, side: sc.side, payloadType: sc.anchor.telephoneEvent(sc.side), dialog: sc.dialog, destination: sc.destination };
    const joined = sources.joined.byCallid(target.callid);
    return joined?.call.dtmfLeg(joined.side);
  }
  return (sources.joined.get(target.dialogid) ?? sources.calls.get(target.dialogid))?.dtmfLeg(target.side);
}
