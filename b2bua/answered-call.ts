// What an answered service call hands to third-party call control (joined-calls.ts) and to DTMF
// (dtmf-sender.ts): its confirmed dialog and where its device's media is on the relay. And what the
// service calls ask of those two, which live beside them.
import type {
  JoinLegsRequest,
  JoinLegsResult,
  SendDtmfRequest,
  SipRequestContext,
} from '../activities/sip-activities.ts';
import type { Side } from '../media/relay-session.ts';
import type { SipDialog } from '../sip/dialog/index.ts';
import type { SipRequest } from '../sip/message/index.ts';
import type { Destination } from '../sip/transport/index.ts';
import type { MediaAnchor } from './media-anchor.ts';

export interface AnsweredCall {
  readonly callid: string;
  /** Confirmed; we are its UAC. */
  readonly dialog: SipDialog;
  /** Where its requests go. */
  readonly destination: Destination;
  /** The ACK of its 2xx, sent again for a retransmitted 2xx (RFC 3261 §13.2.2.4). */
  readonly ack: SipRequest | undefined;
  /** The relay session its media runs through (shared with the call it took its offer from). */
  readonly anchor: MediaAnchor;
  /** The relay side facing its device. */
  readonly side: Side;
}

/** joinLegs and sendDtmf: bound into the service calls by the node (sip-node.ts). */
export interface ServiceCallExtras {
  joinLegs(request: JoinLegsRequest, ctx: SipRequestContext): Promise<JoinLegsResult>;
  sendDtmf(request: SendDtmfRequest, ctx: SipRequestContext): Promise<void>;
  /** The media timeout of a service call's relay session fired (only joined calls start it). */
  mediaTimeout(sessionId: string): void;
}
