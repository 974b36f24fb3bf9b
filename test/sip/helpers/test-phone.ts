// An in-process SIP phone for tests: its own UDP socket, transport and transaction layers, our dialog
// layer for its calls. It registers and calls with digest credentials, answers calls as told, and
// records what it receives. Fast enough to drive a thousand calls through the node.
import type { Clock } from '../../../lib/clock.ts';
import { answerChallenge } from '../../../sip/auth/index.ts';
import { SipDialog, dialogIdOfRequest, dialogKey } from '../../../sip/dialog/index.ts';
import {
  createRequest,
  generateCallId,
  generateTag,
  type SipRequest,
  type SipResponse,
} from '../../../sip/message/index.ts';
import {
  TransactionLayer,
  type ClientTransaction,
  type InviteClientTransaction,
  type InviteServerTransaction,
  type ServerTransaction,
} from '../../../sip/transaction/index.ts';
import { TransportLayer, UdpTransport, type Destination } from '../../../sip/transport/index.ts';
import { DOMAIN } from './node.ts';

export function sdpOffer(port: number, direction = 'sendrecv', host = '127.0.0.1'): string {
  return ['v=0', `o=phone 1 1 IN IP4 ${host}`, 's=-', `c=IN IP4 ${host}`, 't=0 0', `m=audio ${port} RTP/AVP 0 8 101`, 'a=rtpmap:101 telephone-event/8000', `a=${direction}`, ''].join('\r\n');
}

const ANSWER_DIRECTION: Record<string, string> = { sendonly: 'recvonly', recvonly: 'sendonly', inactive: 'inactive', sendrecv: 'sendrecv' };

/** The direction attribute of an SDP text. */
export function directionOf(sdp: string): string {
  return /a=(sendrecv|sendonly|recvonly|inactive)/.exec(sdp)?.[1] ?? 'sendrecv';
}

/** The audio port and address an SDP text names. */
export function audioOf(sdp: string): { host: string; port: number } {
  return { host: /c=IN IP4 (\S+)/.exec(sdp)?.[1] ?? '', port: Number(/m=audio (\d+)/.exec(sdp)?.[1] ?? 0) };
}

/** A call this phone received. */
export class IncomingCall {
  readonly dialog: SipDialog;
  ended = false;
  acked = 0;
  constructor(
    readonly phone: TestPhone,
    readonly tx: InviteServerTransaction,
  ) {
    this.dialog = SipDialog.fromRequest(tx.request, { localTag: tx.toTag, localContact: phone.contact });
  }
  get request(): SipRequest {
    return this.tx.request;
  }
  ring(): void {
    this.tx.reply(180, undefined, { headers: [['Contact', this.phone.contact]] });
  }
  answer(sdp = sdpOffer(this.phone.mediaPort, ANSWER_DIRECTION[directionOf(this.request.body.toString())])): void {
    this.tx.reply(200, undefined, { headers: [['Contact', this.phone.contact]], body: sdp, contentType: 'application/sdp' });
    this.dialog.confirm();
  }
  reject(status: number): void {
    this.tx.reply(status);
  }
  bye(): Promise<SipResponse> {
    this.ended = true;
    return this.phone.transact(this.dialog.createRequest('BYE'));
  }
  send(method: string, body?: string, contentType?: string): Promise<SipResponse> {
    return this.phone.transact(this.dialog.createRequest(method, { ...(body !== undefined && { body, contentType: contentType ?? 'application/sdp' }) }));
  }
}

/** A call this phone placed. */
export class OutgoingCall {
  readonly provisionals: SipResponse[] = [];
  final: SipResponse | undefined;
  dialog: SipDialog | undefined;
  ack: SipRequest | undefined;
  tx: InviteClientTransaction | undefined;
  /** 2xx received for this INVITE, retransmissions included. */
  oks = 0;
  constructor(
    readonly phone: TestPhone,
    public invite: SipRequest,
  ) {}
  bye(): Promise<SipResponse> {
    return this.phone.transact(this.dialog!.createRequest('BYE'));
  }
  cancel(): void {
    if (this.tx) this.phone.layer.cancel(this.tx);
  }
  /** A request within the call; an INVITE (re-INVITE) is ACKed when it succeeds. */
  async request(method: string, body?: string): Promise<SipResponse> {
    const req = this.dialog!.createRequest(method, { ...(body !== undefined && { body, contentType: 'application/sdp' }) });
    const res = await this.phone.transact(req);
    if (method === 'INVITE' && res.status < 300) await this.phone.layer.sendAck(this.dialog!.createAck(req.cseq!.seq), this.phone.server);
    return res;
  }
}

export interface CallOptions {
  body?: string;
  /** The From display name (the node passes it on to the called phone). */
  displayName?: string;
  maxForwards?: number;
  headers?: [string, string][];
  /** Credentials for the 407; default the phone's own. */
  password?: string;
  /** Do not ACK the 2xx (lost ACK). */
  noAck?: boolean;
  /** The answer the ACK carries, for a late offer (an INVITE without SDP). */
  ackBody?: string;
  /** Called on each provisional response. */
  onProvisional?: (res: SipResponse, call: OutgoingCall) => void;
}

export class TestPhone {
  readonly incoming: IncomingCall[] = [];
  readonly received: SipRequest[] = [];
  readonly acks: SipRequest[] = [];
  /** What to do with a new INVITE; default: ring, then answer. */
  onInvite: (call: IncomingCall) => void = TestPhone.ringAndAnswer;
  /** What to do with a re-INVITE or UPDATE; default: answer with the opposite direction. */
  onReoffer: (tx: ServerTransaction) => void = (tx) => this.answerReoffer(tx);
  readonly #calls = new Map<string, IncomingCall>();
  #nc = 0;
  /** One REGISTER Call-ID per phone, so its CSeq must go up (RFC 3261 §10.2.4). */
  #regCseq = 0;

  private constructor(
    readonly login: string,
    readonly password: string,
    readonly server: Destination,
    readonly transport: TransportLayer,
    readonly udp: UdpTransport,
    readonly layer: TransactionLayer,
    readonly mediaPort: number,
  ) {}

  static async open(opts: { login: string; password?: string; serverPort: number; clock?: Clock; mediaPort?: number }): Promise<TestPhone> {
    const udp = new UdpTransport({ host: '127.0.0.1', port: 0, ...(opts.clock && { clock: opts.clock }) });
    const transport = new TransportLayer({ transports: [udp] });
    await transport.start();
    let phone: TestPhone | undefined = undefined;
    const layer = new TransactionLayer({
      transport,
      ...(opts.clock && { clock: opts.clock }),
      user: {
        onRequest: (tx) => phone!.#onRequest(tx),
        onAck: (ack) => phone!.#onAck(ack),
      },
    });
    phone = new TestPhone(opts.login, opts.password ?? '', { transport: 'udp', host: '127.0.0.1', port: opts.serverPort }, transport, udp, layer, opts.mediaPort ?? 30_000 + 2 * Math.floor(Math.random() * 1000));
    return phone;
  }

  static ringAndAnswer(this: void, c: IncomingCall): void {
    c.ring();
    c.answer();
  }

  /** Answers a re-INVITE or UPDATE: recvonly to sendonly and so on, or an offer when it had none. */
  answerReoffer(tx: ServerTransaction): void {
    const offer = tx.request.body.toString();
    const body = offer ? sdpOffer(this.mediaPort, ANSWER_DIRECTION[directionOf(offer)]) : sdpOffer(this.mediaPort);
    tx.reply(200, undefined, { headers: [['Contact', this.contact]], body, contentType: 'application/sdp' });
  }

  /** Back to the default behaviour. */
  resetHandlers(): void {
    this.onInvite = TestPhone.ringAndAnswer;
    this.onReoffer = (tx) => this.answerReoffer(tx);
  }

  get port(): number {
    return this.udp.local.port;
  }

  get contact(): string {
    return `<sip:${this.login}@127.0.0.1:${this.port}>`;
  }

  /** Sends a request in a client transaction; resolves with its final response. */
  transact(req: SipRequest, dest: Destination = this.server): Promise<SipResponse> {
    return new Promise((resolve) => {
      this.layer.sendRequest(req, dest, {
        onResponse: (r) => {
          if (r.status >= 200) resolve(r);
        },
      });
    });
  }

  /** REGISTER with digest credentials (one retry on 401). */
  async register(expires = 3600, callId = `reg-${this.login}-${this.port}`): Promise<SipResponse> {
    const build = (cseq: number, authorization?: string) =>
      createRequest({
        method: 'REGISTER',
        uri: `sip:${DOMAIN}`,
        from: `<sip:${this.login}@${DOMAIN}>;tag=${generateTag()}`,
        to: `<sip:${this.login}@${DOMAIN}>`,
        callId,
        cseq,
        contact: this.contact,
        headers: [['Expires', String(expires)], ...(authorization ? ([['Authorization', authorization]] as [string, string][]) : [])],
      });
    const first = await this.transact(build(++this.#regCseq));
    if (first.status !== 401) return first;
    const auth = answerChallenge({ challenge: first.headers.getAll('www-authenticate'), method: 'REGISTER', uri: `sip:${DOMAIN}`, username: this.login, password: this.password, nc: ++this.#nc });
    return this.transact(build(++this.#regCseq, auth.value));
  }

  /** Calls `user` in the domain; resolves once the final response came (and a 2xx is ACKed). */
  call(user: string, opts: CallOptions = {}): Promise<OutgoingCall> {
    const uri = `sip:${user}@${DOMAIN}`;
    const callId = generateCallId('127.0.0.1');
    const fromTag = generateTag();
    const build = (cseq: number, credentials?: string) =>
      createRequest({
        method: 'INVITE',
        uri,
        from: `${opts.displayName !== undefined ? `"${opts.displayName}" ` : ''}<sip:${this.login}@${DOMAIN}>;tag=${fromTag}`,
        to: `<${uri}>`,
        callId,
        cseq,
        ...(opts.maxForwards !== undefined && { maxForwards: opts.maxForwards }),
        contact: this.contact,
        headers: [...(opts.headers ?? []), ...(credentials ? ([['Proxy-Authorization', credentials]] as [string, string][]) : [])],
        ...(opts.body !== '' && { body: opts.body ?? sdpOffer(this.mediaPort), contentType: 'application/sdp' }),
      });
    const call = new OutgoingCall(this, build(1));
    return new Promise((resolve) => {
      const send = (req: SipRequest, challengeAllowed: boolean) => {
        call.invite = req;
        call.tx = this.layer.sendRequest(req, this.server, {
          onResponse: (res, tx) => {
            if (res.status < 200) {
              call.provisionals.push(res);
              opts.onProvisional?.(res, call);
              return;
            }
            if (res.status === 407 && challengeAllowed) {
              const auth = answerChallenge({ challenge: res.headers.getAll('proxy-authenticate'), method: 'INVITE', uri, username: this.login, password: opts.password ?? this.password, nc: 1 });
              send(build(req.cseq!.seq + 1, auth.value), false);
              return;
            }
            if (res.status < 300) {
              call.oks++;
              if (!call.dialog) {
                call.dialog = SipDialog.fromResponse(req, res);
                call.ack = call.dialog.createAck(req.cseq!.seq, opts.ackBody !== undefined ? { body: opts.ackBody, contentType: 'application/sdp' } : {});
              }
              if (!opts.noAck) void this.layer.sendAck(call.ack!, (tx as ClientTransaction).destination).catch(() => {});
            }
            if (!call.final) {
              call.final = res;
              resolve(call);
            }
          },
        }) as InviteClientTransaction;
      };
      send(call.invite, true);
    });
  }

  #onRequest(tx: ServerTransaction): void {
    const req = tx.request;
    this.received.push(req);
    if (req.method === 'CANCEL') {
      const invite = this.layer.findInviteForCancel(req);
      if (!invite) {
        tx.reply(481);
        return;
      }
      tx.reply(200);
      if (invite.finalResponse === undefined) invite.reply(487);
      return;
    }
    const id = dialogIdOfRequest(req);
    if (req.method === 'INVITE' && !id) {
      const call = new IncomingCall(this, tx as InviteServerTransaction);
      this.#calls.set(call.dialog.key, call);
      this.incoming.push(call);
      this.onInvite(call);
      return;
    }
    const call = id && this.#calls.get(dialogKey(id));
    if (req.method === 'BYE') {
      if (call) call.ended = true;
      tx.reply(200);
      return;
    }
    if (req.method === 'INVITE' || req.method === 'UPDATE') {
      this.onReoffer(tx);
      return;
    }
    tx.reply(200);
  }

  #onAck(ack: SipRequest): void {
    this.acks.push(ack);
    const id = dialogIdOfRequest(ack);
    const call = id && this.#calls.get(dialogKey(id));
    if (call) call.acked++;
  }

  /** The incoming calls that are still up. */
  get liveCalls(): number {
    return this.incoming.filter((c) => !c.ended).length;
  }

  async close(): Promise<void> {
    this.layer.close();
    await this.transport.stop();
  }
}
