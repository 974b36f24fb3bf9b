// One fork of a B2B call: the INVITE the B2BUA sends to one contact of the called account, as a
// UAC (RFC 3261 §13.2), and the early and confirmed dialogs it makes (§12.1.2). The call decides
// what its responses mean; the fork keeps what they set up.
import type { SipDialog } from '../sip/dialog/index.ts';
import type { SipRequest, SipResponse } from '../sip/message/index.ts';
import type { InviteClientTransaction } from '../sip/transaction/index.ts';
import type { Destination } from '../sip/transport/index.ts';
import { ForkState } from './b2b-call-state.ts';
import type { ForkTarget } from './fork-target.ts';

export class B2bFork {
  /** 1, 2, …: the two digits in the b leg's Call-ID. */
  readonly index: number;
  readonly callId: string;
  /** Our From tag on this leg. */
  readonly localTag: string;
  readonly target: ForkTarget;
  readonly request: SipRequest;
  /** As stored (`<sip:user@domain>`): the From we sent, and the To. */
  readonly localuri: string;
  readonly remoteuri: string;
  state: ForkState = ForkState.Calling;
  tx: InviteClientTransaction | undefined;
  /** Early dialogs by the remote (To) tag: a forking proxy downstream may make several (§12.1.2). */
  readonly early = new Map<string, SipDialog>();
  /** The confirmed dialog, once this fork's 2xx won. */
  dialog: SipDialog | undefined;
  /** The ACK of the winning 2xx, sent again for every retransmission of it (§13.2.2.4). */
  ack: SipRequest | undefined;
  /** ACKs of 2xx we took and ended at once (a late answer): resent for their retransmissions. */
  readonly lateAcks = new Map<string, SipRequest>();
  /** The final non-2xx, once there is one (undefined: none, or the transaction ended without one). */
  final: SipResponse | undefined;
  /** A CANCEL was asked for (§9.1). */
  cancelled = false;

  constructor(init: { index: number; callId: string; localTag: string; target: ForkTarget; request: SipRequest; localuri: string; remoteuri: string }) {
    this.index = init.index;
    this.callId = init.callId;
    this.localTag = init.localTag;
    this.target = init.target;
    this.request = init.request;
    this.localuri = init.localuri;
    this.remoteuri = init.remoteuri;
  }

  /** Where the fork's requests went: the transaction's destination, pinned to one transport. */
  get destination(): Destination {
    return this.tx?.destination ?? this.target.destination;
  }

  /** A final answer came (or the transaction ended): the fork rings no more. */
  get settled(): boolean {
    return this.state === ForkState.Answered || this.state === ForkState.Failed;
  }
}
